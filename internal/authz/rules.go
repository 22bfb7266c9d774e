package authz

import (
	"context"
	"fmt"

	"entgo.io/ent/entql"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// AllowTrusted allows everything to a context without a viewer: internal code.
func AllowTrusted() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if _, ok := auth.ViewerFrom(ctx); !ok {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// RequireAdmin is the admin rule, the one function every admin-only operation asks: nil
// for an ADMIN viewer and for trusted internal code (a context without a viewer),
// FORBIDDEN for everyone else.
func RequireAdmin(ctx context.Context) error {
	if v, ok := auth.ViewerFrom(ctx); ok && !v.IsAdmin() {
		return apperr.Errorf(apperr.Forbidden, "this operation needs an ADMIN API key")
	}
	return nil
}

// AllowAdmin allows an admin viewer (RequireAdmin).
func AllowAdmin() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if RequireAdmin(ctx) == nil {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AllowDraftReaders allows partners and admins to read without a filter.
func AllowDraftReaders() privacy.QueryRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if auth.FromContext(ctx).SeesDrafts() {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// DenyWrites refuses a mutation with FORBIDDEN. It ends every mutation policy, after the
// rules that allow trusted code and admins; a service acting for a public caller (such as
// registration) allows its own writes with privacy.DecisionContext(ctx, privacy.Allow).
func DenyWrites() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		return Forbidden(m.Type())
	})
}

// Forbidden is the error of a denied mutation: FORBIDDEN for clients (apperr) and a deny
// decision for ent (errors.Is(err, privacy.Deny)).
func Forbidden(entityType string) error {
	return fmt.Errorf("%w (%w)", apperr.Errorf(apperr.Forbidden, "only an admin may change %s data", entityType), privacy.Deny)
}

// FilterLaunches limits a query to visible launches.
func FilterLaunches() privacy.QueryRule {
	return privacy.LaunchQueryRuleFunc(func(_ context.Context, q *ent.LaunchQuery) error {
		q.Where(VisibleLaunch())
		return privacy.Allow
	})
}

// FilterSessions limits a query to the sessions of visible launches.
func FilterSessions() privacy.QueryRule {
	return privacy.SessionQueryRuleFunc(func(_ context.Context, q *ent.SessionQuery) error {
		q.Where(VisibleSession())
		return privacy.Allow
	})
}

// FilterSpeakers limits a query to speakers with a visible session.
func FilterSpeakers() privacy.QueryRule {
	return privacy.SpeakerQueryRuleFunc(func(_ context.Context, q *ent.SpeakerQuery) error {
		q.Where(VisibleSpeaker())
		return privacy.Allow
	})
}

// FilterObjectives limits a query to series-wide objectives and those of visible launches.
func FilterObjectives() privacy.QueryRule {
	return privacy.ObjectiveQueryRuleFunc(func(_ context.Context, q *ent.ObjectiveQuery) error {
		q.Where(VisibleObjective())
		return privacy.Allow
	})
}

// FilterRegistrants limits a query to the registrant whose manage token the viewer holds,
// if any.
func FilterRegistrants() privacy.QueryRule {
	return privacy.RegistrantQueryRuleFunc(func(ctx context.Context, q *ent.RegistrantQuery) error {
		q.Where(VisibleRegistrant(ctx))
		return privacy.Allow
	})
}

// FilterAll empties any query: what is left for viewers the rules before it did not allow.
// It filters rather than fails, so that a hidden row looks exactly like a missing one.
func FilterAll() privacy.QueryRule {
	return privacy.FilterFunc(func(_ context.Context, f privacy.Filter) error {
		f.Where(entql.FieldNil("id")) // ids are never NULL: no row matches
		return privacy.Allow
	})
}
