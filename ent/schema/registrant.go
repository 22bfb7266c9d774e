package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/intl"
)

// Registrant is a person registered for a launch. It holds personal data: its policy
// (policy.go) shows a registrant to admins and to the holder of its manage token only.
type Registrant struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt.
func (Registrant) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}} }

// Fields of the Registrant.
func (Registrant) Fields() []ent.Field {
	return []ent.Field{
		field.Int("launch_id").
			Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Annotations(entgql.OrderField("NAME"), schematype.Personal()),
		field.String("email").
			NotEmpty().
			MaxLen(254).
			Annotations(schematype.Personal()),
		field.String("email_key").
			NotEmpty().
			MaxLen(254).
			Comment("Lower-cased email: one live registration per launch and address.").
			Annotations(entgql.Skip(entgql.SkipAll), schematype.Personal()),
		field.String("organisation").
			Optional().
			Nillable().
			MaxLen(300).
			Annotations(schematype.Personal()),
		field.String("job_title").
			Optional().
			Nillable().
			MaxLen(300).
			Annotations(schematype.Personal()),
		field.String("country").
			Optional().
			Nillable().
			Validate(intl.ValidateCountry).
			Comment("ISO 3166-1 alpha-2.").
			Annotations(schematype.Personal()),
		field.Enum("stakeholder").
			Values("GOVERNMENT", "INTERNATIONAL_ORGANISATION", "NGO", "ACADEMIA", "PRIVATE_SECTOR", "YOUTH", "MEDIA", "OTHER").
			Default("OTHER"),
		field.Enum("attendance").
			Values("IN_PERSON", "ONLINE").
			Default("ONLINE"),
		field.Enum("status").
			Values("PENDING", "CONFIRMED", "WAITLISTED", "CANCELLED", "REJECTED").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("waitlist_position").
			Optional().
			Nillable().
			Min(1).
			Annotations(entgql.OrderField("WAITLIST_POSITION")),
		field.Time("checked_in_at").
			Optional().
			Nillable(),
		field.Time("consent_at"),
		field.String("manage_token_hash").
			Optional().
			Unique().
			Sensitive().
			Comment("Hex SHA-256 of the registrant's manage token; the token itself is never stored.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("rejection_reason").
			Optional().
			Nillable().
			MaxLen(1000),
		field.String("language").
			Optional().
			Nillable().
			Comment("Preferred language for messages: ar, zh, en, fr, ru or es."),
	}
}

// Edges of the Registrant.
func (Registrant) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("launch", Launch.Type).
			Ref("registrants").
			Field("launch_id").
			Unique().
			Required().
			Immutable(),
	}
}

// Indexes of the Registrant.
func (Registrant) Indexes() []ent.Index {
	return []ent.Index{
		// One live registration per launch and address; a cancelled registrant may register again.
		index.Fields("launch_id", "email_key").
			Unique().
			Annotations(entsql.IndexWhere("status <> 'CANCELLED'")),
		// Top N per launch (nested Launch.registrants, LATERAL … ORDER BY id LIMIT n) and a
		// launch's registrants by status, newest first (id the tiebreak of every order).
		index.Fields("launch_id", "id"),
		index.Fields("launch_id", "status", "created_at", "id"),
		index.Fields("updated_at"),
	}
}

// Annotations of the Registrant.
func (Registrant) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("registrants"),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
