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

// Format is a kind of launch event, from a high-level panel to a 4-day training.
type Format struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt and translations.
func (Format) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}, TranslatableMixin{}}
}

// Fields of the Format.
func (Format) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").
			Values("HIGH_LEVEL_PANEL", "ONE_DAY_FORUM", "TRAINING", "ONLINE_DIALOGUE", "REGIONAL_LAUNCH").
			Annotations(entgql.OrderField("KIND")),
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Annotations(entgql.OrderField("NAME"), entgql.Skip(entgql.SkipType)),
		field.Text("description").
			Optional().
			Nillable().
			MaxLen(4000).
			Annotations(entgql.Skip(entgql.SkipType)),
		field.Int("typical_duration_days").
			Optional().
			Nillable().
			Min(1).
			Comment("Usual length in days; null when it varies."),
	}
}

// Edges of the Format.
func (Format) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("launches", Launch.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Format: one per kind.
func (Format) Indexes() []ent.Index {
	return []ent.Index{index.Fields("kind").Unique()}
}

// Annotations of the Format.
func (Format) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Columns the resolvers of graph/*.graphqls read (internal/gqlschema).
		gqlschema.Resolved{
			"name": {"name", "translations"}, "nameLang": {"name", "translations"},
			"description": {"description", "translations"}, "descriptionLang": {"description", "translations"},
		},
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
