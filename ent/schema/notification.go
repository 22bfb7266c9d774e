package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"launchgraph/ent/schema/schematype"
)

// Notification is an email in the transactional outbox: the record of a registrant's state
// change, written in the same transaction as the change. It stores what happened (kind,
// registrant, the status and waitlist position the change gave, language) and, while
// unsent, the registrant's sealed manage token; the sender renders the message outside any
// registration transaction, and erases the token once the message is sent or has failed.
type Notification struct {
	ent.Schema
}

// Mixin adds createdAt/updatedAt.
func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, OptionalTextMixin{}} }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").
			Values("REGISTERED", "PENDING", "WAITLISTED", "PROMOTED", "APPROVED", "REJECTED", "CANCELLED").
			Annotations(entgql.OrderField("KIND")),
		field.String("recipient").
			Annotations(entgql.OrderField("RECIPIENT"), schematype.Personal()),
		field.String("subject").
			Optional().
			Nillable().
			Comment("Null until the sender renders the message."),
		field.String("language").
			Default("en"),
		field.String("registrant_status").
			Optional().
			Nillable().
			Comment("The registrant's status the change gave, as the message reports it.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("waitlist_position").
			Optional().
			Nillable().
			Comment("The waitlist position the change gave, for a waitlisted registrant.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("registrant_id").
			Optional().
			Nillable().
			Annotations(entgql.Type("ID")),
		field.Bytes("sealed_token").
			Optional().
			Nillable().
			Sensitive().
			Comment("The registrant's manage token, sealed (AES-GCM), for the link in a registration email; erased once sent or failed.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("status").
			Values("PENDING", "SENT", "FAILED").
			Default("PENDING").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("attempts").
			Default(0),
		field.String("last_error").
			Optional().
			Nillable(),
		field.Time("next_attempt_at").
			Annotations(entgql.OrderField("NEXT_ATTEMPT_AT")),
		field.Time("sent_at").
			Optional().
			Nillable(),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "next_attempt_at"),
	}
}

// Annotations of the Notification.
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("notifications"),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
