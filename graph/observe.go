package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// Observer receives what the handler measures; internal/metrics implements it.
type Observer interface {
	// Operation records one query or mutation: its name, type, whether it had errors and
	// how long it took.
	Operation(name, typ string, failed bool, d time.Duration)
	// Error records one error of a response by its extensions.code.
	Error(code string)
}

// boundOperations gives each query and mutation a deadline: timeout, or anonymousRead for
// an anonymous query when that is shorter (lib/pq cancels a statement still running then,
// so anonymous reads cannot hold a pooled connection for long). Subscriptions live as long
// as their client and get none.
func boundOperations(timeout, anonymousRead time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
			return next(ctx)
		}
		limit := timeout
		if oc.Operation != nil && oc.Operation.Operation == ast.Query && auth.FromContext(ctx).Role == auth.Public &&
			anonymousRead > 0 && (limit <= 0 || anonymousRead < limit) {
			limit = anonymousRead
		}
		if limit <= 0 {
			return next(ctx)
		}
		ctx, cancel := context.WithTimeout(ctx, limit)
		handler := next(ctx)
		first := true
		return func(rctx context.Context) *graphql.Response {
			resp := handler(rctx)
			if resp == nil && first && ctx.Err() != nil {
				// gqlgen ends a response stream (nil) when its context is done before the
				// first response; the caller asked for one, so say why it has none.
				resp = &graphql.Response{Errors: gqlerror.List{{
					Message:    "the operation took too long",
					Extensions: map[string]any{"code": string(apperr.Unavailable)},
				}}}
			}
			first = false
			cancel()
			return resp
		}
	}
}

// observeResponses reports every response to obs, including those refused before
// execution (parse, validation and limit errors).
func observeResponses(obs Observer) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil || obs == nil {
			return resp
		}
		for _, e := range resp.Errors {
			if code, ok := e.Extensions["code"].(string); ok {
				obs.Error(code)
			}
		}
		name, typ, start := "", "invalid", time.Now()
		if graphql.HasOperationContext(ctx) {
			oc := graphql.GetOperationContext(ctx)
			name, start = oc.OperationName, oc.Stats.OperationStart
			if oc.Operation != nil {
				typ = string(oc.Operation.Operation)
				if name == "" {
					name = oc.Operation.Name
				}
			}
		}
		if typ != string(ast.Subscription) {
			obs.Operation(name, typ, len(resp.Errors) > 0, time.Since(start))
		}
		return resp
	}
}

// ensureOperationContext gives a response without an operation (a body that did not
// decode) an empty operation context, so that the middleware after it can read one.
func ensureOperationContext(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{})
	}
	return next(ctx)
}
