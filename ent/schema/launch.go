package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"launchgraph/ent/hook"
	"launchgraph/internal/gqlschema"
	"launchgraph/internal/intl"
)

// Launch is the one-time COP 2020 Guidelines launch event of a region.
//
// When the hour is unknown (timeConfirmed false) startsAt is local midnight of the first
// day and endsAt local midnight after the last day, in the launch's timezone.
type Launch struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt and translations.
func (Launch) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}, TranslatableMixin{}}
}

// Fields of the Launch.
func (Launch) Fields() []ent.Field {
	return []ent.Field{
		field.String("slug").
			Unique().
			MaxLen(100).
			Match(slugFormat).
			Annotations(entgql.OrderField("SLUG")),
		field.String("title").
			NotEmpty().
			MaxLen(300).
			Annotations(entgql.OrderField("TITLE"), entgql.Skip(entgql.SkipType)),
		field.Text("description").
			Optional().
			Nillable().
			MaxLen(20000).
			Annotations(entgql.Skip(entgql.SkipType)),
		field.Int("region_id").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("format_id").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("status").
			Values("DRAFT", "PUBLISHED", "COMPLETED", "CANCELLED").
			Default("DRAFT").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("starts_at").
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Comment("Not before startsAt.").
			Annotations(entgql.OrderField("ENDS_AT")),
		field.String("timezone").
			Validate(intl.ValidateTimezone).
			Comment("IANA zone the launch is held in."),
		field.Bool("time_confirmed").
			Default(true).
			Comment("False when only the dates are known: the launch is shown as all-day."),
		field.String("venue").
			Optional().
			Nillable().
			MaxLen(500),
		field.Bool("online").
			Default(false),
		field.String("online_url").
			Optional().
			Nillable().
			MaxLen(2000).
			Match(httpURL),
		field.Strings("languages").
			Default([]string{}).
			Validate(intl.ValidateLanguages).
			Comment("ISO 639-1 codes of the working languages."),
		field.Strings("hosts").
			Default([]string{}).
			Comment("Organisations hosting the launch."),
		field.Int("capacity").
			Optional().
			Nillable().
			Min(0).
			Comment("Seats; null when the launch has no limit."),
		field.Bool("waitlist_enabled").
			Default(false),
		field.Bool("requires_approval").
			Default(false),
		field.Time("registration_opens_at").
			Optional().
			Nillable(),
		field.Time("registration_closes_at").
			Optional().
			Nillable(),
		field.String("source_url").
			Optional().
			Nillable().
			MaxLen(2000).
			Match(httpURL).
			Comment("Public page the facts were taken from."),
		field.Int("revision").
			Default(0).
			Comment("Counts updates; calendar feeds publish it as SEQUENCE.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the Launch.
func (Launch) Edges() []ent.Edge {
	return []ent.Edge{
		// region and format are resolved from the reference-row cache (internal/refcache,
		// graph/refs.graphqls) rather than eager-loaded with the launch: one statement less each.
		edge.From("region", Region.Type).
			Ref("launches").
			Field("region_id").
			Unique().
			Required().
			Annotations(entgql.Skip(entgql.SkipType)),
		edge.From("format", Format.Type).
			Ref("launches").
			Field("format_id").
			Unique().
			Required().
			Annotations(entgql.Skip(entgql.SkipType)),
		edge.To("objectives", Objective.Type).
			Annotations(entgql.RelayConnection()),
		edge.To("guideline_sets", GuidelineSet.Type).
			Annotations(entgql.RelayConnection()),
		edge.To("sessions", Session.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// No hasRegistrants(With) in LaunchWhereInput: a filter on registrants would be an
		// oracle on personal data (its subquery bypasses the registrant policy).
		edge.To("registrants", Registrant.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// The seat counters go with their launch.
		edge.To("seat_counts", SeatCount.Type).
			Annotations(entgql.Skip(entgql.SkipAll), entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Launch.
func (Launch) Indexes() []ent.Index {
	return []ent.Index{
		// A region's launches: top N per region by id or by start (nested Region.launches).
		index.Fields("region_id", "id"),
		index.Fields("region_id", "starts_at", "id"),
		index.Fields("format_id"),
		index.Fields("starts_at"),
		index.Fields("status", "starts_at"),
		index.Fields("updated_at"),
	}
}

// Hooks of the Launch: schedule checks on create and update-one; a revision count on update.
func (Launch) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(launchScheduleHook, ent.OpCreate|ent.OpUpdateOne),
		hook.On(launchRevisionHook, ent.OpUpdate|ent.OpUpdateOne),
	}
}

// Annotations of the Launch.
func (Launch) Annotations() []schema.Annotation {
	return []schema.Annotation{
		// Columns the resolvers of graph/*.graphqls read (internal/gqlschema).
		gqlschema.Resolved{
			"title": {"title", "translations"}, "titleLang": {"title", "translations"},
			"description": {"description", "translations"}, "descriptionLang": {"description", "translations"},
			"translationCoverage": {"title", "description", "translations"},
			"region":              {"region_id"}, "format": {"format_id"},
			"seats":    {"capacity"},
			"startsOn": {"timezone", "starts_at", "ends_at"}, "endsOn": {"timezone", "starts_at", "ends_at"},
			"days":              {"timezone", "time_confirmed"},
			"registrationStats": {},
		},
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
