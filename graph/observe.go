package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Observer receives what the handler measures; internal/metrics implements it.
type Observer interface {
	// Operation records one query or mutation: its name, type, whether it had errors and
	// how long it took.
	Operation(name, typ string, failed bool, d time.Duration)
	// Error records one error of a response by its extensions.code.
	Error(code string)
}

// boundOperations gives each query and mutation a deadline. Subscriptions live as long as
// their client and get none.
func boundOperations(timeout time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if timeout <= 0 || (oc.Operation != nil && oc.Operation.Operation == ast.Subscription) {
			return next(ctx)
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		handler := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := handler(ctx)
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
