package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// IdempotencyKey remembers a register call so that a retry with the same key returns the
// same registration. The key itself is stored hashed; the response's manage token is sealed
// with a key derived from the idempotency key, so the table alone never reveals it.
type IdempotencyKey struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt.
func (IdempotencyKey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key_hash").
			Unique().
			Immutable().
			Sensitive(),
		field.String("request_hash").
			Immutable().
			Comment("Hash of the normalised input: another input under the same key is refused."),
		field.Int("registrant_id").
			Immutable(),
		field.Bytes("sealed_token").
			Immutable().
			Sensitive(),
	}
}

// Annotations of the IdempotencyKey: not part of the GraphQL schema.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
