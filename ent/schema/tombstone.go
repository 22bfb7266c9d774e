package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Tombstone remembers a deleted launch, session, speaker or objective so that partners
// syncing incrementally learn of the deletion.
type Tombstone struct {
	ent.Schema
}

// Fields of the Tombstone.
func (Tombstone) Fields() []ent.Field {
	return []ent.Field{
		field.Int("entity_id").
			Immutable(),
		field.String("entity_type").
			Immutable(),
		field.Time("deleted_at").
			Default(time.Now).
			Immutable(),
	}
}

// Indexes of the Tombstone.
func (Tombstone) Indexes() []ent.Index {
	return []ent.Index{index.Fields("deleted_at")}
}

// Annotations of the Tombstone: exposed through deletedSince, not as a node.
func (Tombstone) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
