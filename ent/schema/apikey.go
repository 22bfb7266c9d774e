package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// APIKey authenticates a partner or an admin. Only the SHA-256 of the secret is stored;
// the secret is shown once, when the key is created.
type APIKey struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200),
		field.Enum("role").
			Values("ADMIN", "PARTNER"),
		field.String("prefix").
			NotEmpty().
			Immutable().
			Comment("The first characters of the key, to recognise it in lists."),
		field.String("secret_hash").
			Unique().
			Immutable().
			Sensitive().
			Comment("Hex SHA-256 of the whole key."),
		field.Time("expires_at").
			Optional().
			Nillable(),
		field.Time("revoked_at").
			Optional().
			Nillable(),
		field.Time("last_used_at").
			Optional().
			Nillable().
			Comment("Written at most once a minute."),
	}
}

// Annotations of the APIKey: not part of the GraphQL schema.
func (APIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
