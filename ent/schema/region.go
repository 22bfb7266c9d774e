package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"launchgraph/internal/gqlschema"
	"launchgraph/internal/intl"
)

// Region is one of the six ITU regions (AFR, AMS, ARB, ASP, CIS, EUR); each holds one launch.
type Region struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt and translations.
func (Region) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TranslatableMixin{}} }

// Fields of the Region.
func (Region) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").
			Unique().
			Match(regionCode).
			Comment("ITU region code: AFR, AMS, ARB, ASP, CIS or EUR.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Annotations(entgql.OrderField("NAME"), entgql.Skip(entgql.SkipType)),
		field.String("default_timezone").
			Validate(intl.ValidateTimezone).
			Comment("IANA zone of the ITU regional office; new launches default to it."),
	}
}

// Edges of the Region.
func (Region) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("launches", Launch.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Annotations of the Region.
func (Region) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Columns the resolvers of graph/*.graphqls read (internal/gqlschema).
		gqlschema.Resolved{"name": {"name", "translations"}, "nameLang": {"name", "translations"}, "registrationStats": {}},
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
