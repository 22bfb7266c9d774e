package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Speaker speaks in one or more sessions.
type Speaker struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt.
func (Speaker) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}} }

// Fields of the Speaker.
func (Speaker) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("title").
			Optional().
			Nillable().
			MaxLen(300).
			Comment("Job title or honorific."),
		field.String("affiliation").
			Optional().
			Nillable().
			MaxLen(300).
			Annotations(entgql.OrderField("AFFILIATION")),
		field.Text("bio").
			Optional().
			Nillable().
			MaxLen(10000),
	}
}

// Edges of the Speaker.
func (Speaker) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("sessions", Session.Type).
			Ref("speakers").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Speaker.
func (Speaker) Indexes() []ent.Index {
	return []ent.Index{index.Fields("updated_at")}
}

// Annotations of the Speaker.
func (Speaker) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
