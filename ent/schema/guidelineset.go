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

// GuidelineSet is one of the four COP 2020 guideline documents, by audience.
type GuidelineSet struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt and translations.
func (GuidelineSet) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}, TranslatableMixin{}}
}

// Fields of the GuidelineSet.
func (GuidelineSet) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("audience").
			Values("CHILDREN", "PARENTS_EDUCATORS", "INDUSTRY", "POLICY_MAKERS").
			Annotations(entgql.OrderField("AUDIENCE")),
		field.String("title").
			NotEmpty().
			MaxLen(300).
			Annotations(entgql.OrderField("TITLE"), entgql.Skip(entgql.SkipType)),
		field.Text("summary").
			Optional().
			Nillable().
			MaxLen(4000).
			Annotations(entgql.Skip(entgql.SkipType)),
		field.String("url").
			Optional().
			Nillable().
			MaxLen(2000).
			Match(httpURL).
			Annotations(entgql.MapsTo("url")),
	}
}

// Edges of the GuidelineSet.
func (GuidelineSet) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("launches", Launch.Type).
			Ref("guideline_sets").
			Annotations(entgql.RelayConnection()),
		edge.From("sessions", Session.Type).
			Ref("guideline_sets").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the GuidelineSet: one per audience.
func (GuidelineSet) Indexes() []ent.Index {
	return []ent.Index{index.Fields("audience").Unique()}
}

// Annotations of the GuidelineSet.
func (GuidelineSet) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Columns the resolvers of graph/*.graphqls read (internal/gqlschema).
		gqlschema.Resolved{
			"title": {"title", "translations"}, "titleLang": {"title", "translations"},
			"summary": {"summary", "translations"}, "summaryLang": {"summary", "translations"},
		},
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
