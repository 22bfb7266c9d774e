package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin gives every entity createdAt and updatedAt; partners sync incrementally on updatedAt.
type TimeMixin struct {
	mixin.Schema
}

// now is the time to the microsecond, what PostgreSQL keeps: the value a mutation returns
// is then exactly the stored one (events carry updated_at as a launch's version, compared
// for equality with the row a subscriber loads).
func now() time.Time { return time.Now().Truncate(time.Microsecond) }

// Fields returns the created_at and updated_at fields, both orderable and never set by clients.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Annotations(
				entgql.OrderField("CREATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Annotations(
				entgql.OrderField("UPDATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
	}
}

// OptionalTextMixin stores an empty optional text as NULL: a client that sends
// `venue: ""` means "no venue", and the API serves null for it, so that "" and null never
// both mean "none".
type OptionalTextMixin struct {
	mixin.Schema
}

// Hooks returns the hook that clears the optional string fields a mutation sets to "".
func (OptionalTextMixin) Hooks() []ent.Hook {
	return []ent.Hook{emptyAsNull}
}

// emptyAsNull clears each string field set to "" that can be cleared (ClearField refuses
// required fields, which keep the value for their validators to judge).
func emptyAsNull(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if m.Op().Is(ent.OpCreate | ent.OpUpdate | ent.OpUpdateOne) {
			for _, name := range m.Fields() {
				if v, _ := m.Field(name); v == "" {
					_ = m.ClearField(name)
				}
			}
		}
		return next.Mutate(ctx, m)
	})
}
