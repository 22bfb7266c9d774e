package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"launchgraph/ent/schema/schematype"
)

// AuditEntry records one successful admin mutation, written in the same transaction.
type AuditEntry struct {
	ent.Schema
}

// Mixin adds createdAt (when) and updatedAt.
func (AuditEntry) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the AuditEntry.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("actor_key_id").
			Optional().
			Nillable().
			Immutable().
			Comment("API key that made the change; null for the command line."),
		field.String("actor_name").
			Immutable(),
		field.String("operation").
			Immutable().
			Comment("Mutation name, e.g. updateLaunch.").
			Annotations(entgql.OrderField("OPERATION")),
		field.String("entity_type").
			Immutable().
			Annotations(entgql.OrderField("ENTITY_TYPE")),
		field.Int("entity_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Type("ID")),
		field.JSON("changes", []schematype.FieldChange{}).
			Immutable().
			Annotations(entgql.Type("[FieldChange!]"), entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of the AuditEntry.
func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("entity_type", "entity_id"),
		index.Fields("created_at"),
	}
}

// Annotations of the AuditEntry.
func (AuditEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("auditEntries"),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
