package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SeatCount counts a launch's live registrants by status. The registration service keeps it
// equal to the registrant rows in the transaction of every change, and locks it (with its
// launch) to decide a registration: one statement then reads everything a decision needs,
// however many registrants the launch has.
//
// Counts are keyed by (launch, category). The category "" counts the whole launch; a
// participant category with a quota of its own (delegates, media, …) adds a row of its own
// without changing the others.
type SeatCount struct {
	ent.Schema
}

// Fields of the SeatCount.
func (SeatCount) Fields() []ent.Field {
	return []ent.Field{
		field.Int("launch_id").
			Immutable(),
		field.String("category").
			Default("").
			Immutable().
			Comment(`Participant category counted; "" counts the whole launch.`),
		field.Int("confirmed").
			Default(0).
			NonNegative(),
		field.Int("pending").
			Default(0).
			NonNegative(),
		field.Int("waitlisted").
			Default(0).
			NonNegative().
			Comment("Also the position of the waitlist's tail: positions are 1..waitlisted."),
		field.Time("waitlist_tail_at").
			Optional().
			Nillable().
			Comment("The latest created_at given to a waitlisted registrant: the next one's is later, whatever the servers' clocks say, so that created_at order is waitlist order."),
	}
}

// Edges of the SeatCount.
func (SeatCount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("launch", Launch.Type).
			Ref("seat_counts").
			Field("launch_id").
			Unique().
			Required().
			Immutable(),
	}
}

// Indexes of the SeatCount.
func (SeatCount) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("launch_id", "category").Unique(),
	}
}

// Annotations of the SeatCount: internal bookkeeping, not part of the GraphQL schema (a
// launch's seats are served as Launch.seats).
func (SeatCount) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
	}
}
