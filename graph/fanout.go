package graph

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"launchgraph/ent"
	"launchgraph/internal/auth"
	"launchgraph/internal/i18n"
	"launchgraph/internal/live"
	"launchgraph/internal/programme"
	"launchgraph/internal/stats"
)

// streamPolicies are the subscriptions whose subscribers share one execution, and how a
// late or slow subscriber is served (live.Policy).
var streamPolicies = map[string]live.Policy{
	// The current seats first, then each change: a late subscriber starts from the latest.
	"seatsChanged": {Replay: true, Collapse: true},
	// Each response is the whole launch: a slow subscriber skips to the latest.
	"launchChanged": {Collapse: true},
	// Events: a subscriber that misses some completes (re-read, then subscribe again).
	"programmeChanged":    {},
	"registrationChanged": {},
}

// shareSubscriptions runs identical subscriptions (same document, variables, language and
// viewer role, selecting no personal data) once, and gives every subscriber the same
// response (live.Fanout); every subscription gets fresh loaders per response. Other
// operations pass through. It must be the innermost
// operation middleware: limits, counters and the viewer apply per subscriber before it.
func shareSubscriptions(client *ent.Client, f *live.Fanout) graphql.OperationMiddleware {
	// Loaders cache: each response of a subscription reads afresh.
	fresh := func(ctx context.Context) context.Context {
		ctx = stats.WithLoaders(ctx, stats.NewLoaders(client))
		ctx = withRefEdges(ctx, client)
		return programme.WithLoaders(ctx, programme.NewLoaders(client))
	}
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
			return next(ctx)
		}
		s, ok := shareOf(ctx)
		if !ok {
			h := next(ctx)
			return func(ctx context.Context) *graphql.Response { return h(fresh(ctx)) }
		}
		s.PerResponse = fresh
		return f.Subscribe(ctx, s, next)
	}
}

// shareOf returns how ctx's subscription is shared, if it may be: its responses depend on
// the viewer's role alone (no personal data selected, no registrant token).
func shareOf(ctx context.Context) (live.Share, bool) {
	oc := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})
	if len(fields) != 1 {
		return live.Share{}, false
	}
	policy, ok := streamPolicies[fields[0].Name]
	v := auth.FromContext(ctx)
	if !ok || v.RegistrantID != 0 || selectsPrivate(oc.Operation.SelectionSet, map[string]bool{}) {
		return live.Share{}, false
	}
	vars, err := json.Marshal(oc.Variables) // map keys sorted
	if err != nil {
		return live.Share{}, false
	}
	lang := ""
	if oc.Headers != nil {
		lang = i18n.Match(oc.Headers.Get("Accept-Language"))
	}
	role := v.Role
	key := strings.Join([]string{string(role), lang, oc.OperationName, oc.RawQuery, string(vars)}, "\x00")
	return live.Share{Key: key, Policy: policy, Detach: func(ctx context.Context) context.Context {
		return auth.WithViewer(context.WithoutCancel(ctx), auth.Viewer{Role: role})
	}}, true
}
