package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"launchgraph/internal/gqlschema"
)

// Objective is an aim of the launches: the five series objectives apply to every launch,
// and a launch may add regional focus objectives.
type Objective struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt and translations.
func (Objective) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TranslatableMixin{}} }

// Fields of the Objective.
func (Objective) Fields() []ent.Field {
	return []ent.Field{
		field.Text("text").
			NotEmpty().
			MaxLen(2000).
			Annotations(entgql.OrderField("TEXT"), entgql.Skip(entgql.SkipType)),
		field.Int("position").
			Default(0).
			Comment("Order within the list, ascending.").
			Annotations(entgql.OrderField("POSITION")),
		field.Bool("series_wide").
			Default(false).
			Comment("True for the five objectives of the whole series."),
	}
}

// Edges of the Objective.
func (Objective) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("launches", Launch.Type).
			Ref("objectives").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Objective.
func (Objective) Indexes() []ent.Index {
	return []ent.Index{index.Fields("updated_at")}
}

// Annotations of the Objective.
func (Objective) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Columns the resolvers of graph/*.graphqls read (internal/gqlschema).
		gqlschema.Resolved{"text": {"text", "translations"}, "textLang": {"text", "translations"}},
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
