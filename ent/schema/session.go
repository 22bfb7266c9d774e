package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"launchgraph/ent/hook"
	"launchgraph/internal/gqlschema"
	"launchgraph/internal/intl"
)

// Session is a programme item of a launch: an opening, a panel, a training block.
type Session struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt and translations.
func (Session) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}, TranslatableMixin{}}
}

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.Int("launch_id").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("title").
			NotEmpty().
			MaxLen(300).
			Annotations(entgql.OrderField("TITLE"), entgql.Skip(entgql.SkipType)),
		field.Text("description").
			Optional().
			Nillable().
			MaxLen(20000).
			Annotations(entgql.Skip(entgql.SkipType)),
		field.Enum("kind").
			Values("OPENING", "PANEL", "KEYNOTE", "TRAINING", "DIALOGUE", "BREAK", "CLOSING").
			Annotations(entgql.OrderField("KIND")),
		field.Time("starts_at").
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Comment("Not before startsAt."),
		field.Bool("time_confirmed").
			Default(true).
			Comment("False when only the day is known."),
		field.String("room").
			Optional().
			Nillable().
			MaxLen(200),
		field.String("channel").
			Optional().
			Nillable().
			MaxLen(500).
			Comment("Online channel, e.g. Zoom."),
		field.Strings("interpretation_languages").
			Default([]string{}).
			Validate(intl.ValidateLanguages),
		field.Int("position").
			Default(0).
			Annotations(entgql.OrderField("POSITION")),
		field.Int("revision").
			Default(0).
			Comment("Counts updates; calendar feeds publish it as SEQUENCE.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("launch", Launch.Type).
			Ref("sessions").
			Field("launch_id").
			Unique().
			Required(),
		edge.To("speakers", Speaker.Type).
			Annotations(entgql.RelayConnection()),
		edge.To("guideline_sets", GuidelineSet.Type).
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("launch_id", "starts_at"),
		// A launch's sessions in programme order, top N per launch (nested Launch.sessions).
		index.Fields("launch_id", "position", "id"),
		index.Fields("updated_at"),
	}
}

// Hooks of the Session: schedule checks on create and update-one; a revision count on update.
func (Session) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(sessionScheduleHook, ent.OpCreate|ent.OpUpdateOne),
		hook.On(sessionRevisionHook, ent.OpUpdate|ent.OpUpdateOne),
	}
}

// Annotations of the Session.
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Columns the resolvers of graph/*.graphqls read (internal/gqlschema).
		gqlschema.Resolved{
			"title": {"title", "translations"}, "titleLang": {"title", "translations"},
			"description": {"description", "translations"}, "descriptionLang": {"description", "translations"},
			"startsOn": {"launch_id", "starts_at", "ends_at"}, "endsOn": {"launch_id", "starts_at", "ends_at"},
			"localTimes": {"launch_id", "starts_at", "ends_at", "time_confirmed"},
		},
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
