package graph

import (
	"context"
	"reflect"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"launchgraph/ent"
	"launchgraph/ent/predicate"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
)

// The where-input resolvers (bound in gqlgen.yml, bodies in ent.resolvers.go) guard edge
// filters. A `where` crossing an edge to launches, sessions or registrants is a SQL
// subquery the privacy policies never see, so `regions(where: {hasLaunchesWith: {slug:
// "x"}})` would otherwise tell a public caller whether a DRAFT launch x exists. Each nested
// input gets the viewer's visibility predicate, and `hasX: true/false` becomes "has (no) X
// the viewer sees". The resolvers run while gqlgen unmarshals an input, so they cover root
// arguments, nested connection arguments and the eager loading of CollectFields alike.
// A predicate added below one that already holds it (not/and/or inside a nested input)
// changes nothing, so it is added at every level.

// publicViewer gives every GraphQL operation a viewer: without one, the data layer would
// treat it as trusted internal code. The HTTP middleware sets the real viewer before this.
func publicViewer(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if _, ok := auth.ViewerFrom(ctx); !ok {
		ctx = auth.WithViewer(ctx, auth.Viewer{Role: auth.Public})
	}
	return next(ctx)
}

// guardLaunches adds the launch visibility of ctx's viewer to nested launch filters.
func guardLaunches(ctx context.Context, with []*ent.LaunchWhereInput) []*ent.LaunchWhereInput {
	if !authz.SeesDrafts(ctx) {
		for _, w := range with {
			if w != nil {
				w.AddPredicates(authz.VisibleLaunch())
			}
		}
	}
	return with
}

// launchesWith sets a where input's hasLaunchWith: the launch filters, guarded for the
// viewer (guardLaunches), or, for one filter that gives nothing but a launch's id (how a
// launch's registrants or programme are asked for, by an admin), the input's own
// launch_id predicate (byID), which selects the same rows without a semi-join with
// launches for each of them.
func launchesWith[P any](ctx context.Context, data []*ent.LaunchWhereInput, set func([]*ent.LaunchWhereInput), add func(...P), byID func(int) P) {
	with := guardLaunches(ctx, data)
	if len(with) == 1 && with[0] != nil && with[0].ID != nil && reflect.DeepEqual(*with[0], ent.LaunchWhereInput{ID: with[0].ID}) {
		add(byID(*with[0].ID))
		return
	}
	set(with)
}

// guardSessions adds the session visibility of ctx's viewer to nested session filters.
func guardSessions(ctx context.Context, with []*ent.SessionWhereInput) []*ent.SessionWhereInput {
	if !authz.SeesDrafts(ctx) {
		for _, w := range with {
			if w != nil {
				w.AddPredicates(authz.VisibleSession())
			}
		}
	}
	return with
}

// hasLaunches applies `hasLaunch(es): b` to a where input through set (the input's own
// field) or, for a viewer who does not see drafts, add: has (no) visible launch, built
// with the input type's hasWith and not.
func hasLaunches[P ~func(*sql.Selector)](ctx context.Context, b *bool, set func(*bool), add func(...P), hasWith func(...predicate.Launch) P, not func(P) P) {
	if b == nil || authz.SeesDrafts(ctx) {
		set(b)
		return
	}
	add(hasVisible(*b, hasWith(authz.VisibleLaunch()), not))
}

// hasSessions is hasLaunches for `hasSessions: b`.
func hasSessions[P ~func(*sql.Selector)](ctx context.Context, b *bool, set func(*bool), add func(...P), hasWith func(...predicate.Session) P, not func(P) P) {
	if b == nil || authz.SeesDrafts(ctx) {
		set(b)
		return
	}
	add(hasVisible(*b, hasWith(authz.VisibleSession()), not))
}

func hasVisible[P ~func(*sql.Selector)](b bool, has P, not func(P) P) P {
	if b {
		return has
	}
	return not(has)
}
