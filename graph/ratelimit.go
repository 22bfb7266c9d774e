package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/auth"
	"launchgraph/internal/ratelimit"
)

// registerField is the mutation field the register budget counts.
const registerField = "register"

// operationLimit applies the request budgets to operations on every transport. Each
// websocket operation counts one request of its connection's viewer and client IP, before
// it is parsed (the server's HTTP middleware counts each HTTP request, an upgrade
// included). Each register field of a mutation counts against the register budget,
// decided on the parsed operation (after the persisted-query lookup, through inline
// fragments and fragments), so that no spelling of the text escapes it; a refused
// register gives its request back.
type operationLimit struct{ limiter *ratelimit.Limiter }

var (
	_ graphql.HandlerExtension          = operationLimit{}
	_ graphql.OperationParameterMutator = operationLimit{}
	_ graphql.OperationContextMutator   = operationLimit{}
)

func (operationLimit) ExtensionName() string                   { return "OperationLimit" }
func (operationLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationLimit) MutateOperationParameters(ctx context.Context, _ *graphql.RawParams) *gqlerror.Error {
	if _, onSocket := ctx.Value(socketKey{}).(*socketState); !onSocket {
		return nil
	}
	if e := o.limiter.Request(ctx, auth.FromContext(ctx), ratelimit.ClientIP(ctx)); e != nil {
		return coded(nil, e)
	}
	return nil
}

func (o operationLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	n := countFields(oc.Operation.SelectionSet, registerField, map[string]bool{})
	v, ip := auth.FromContext(ctx), ratelimit.ClientIP(ctx)
	if e := o.limiter.Register(ctx, v, ip, n); e != nil {
		o.limiter.Refund(v, ip)
		return coded(nil, e)
	}
	return nil
}

// countFields counts the fields called name in set, through inline fragments and each
// fragment once (a fragment spread twice merges into one field).
func countFields(set ast.SelectionSet, name string, seen map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name {
				n++
			}
		case *ast.InlineFragment:
			n += countFields(s.SelectionSet, name, seen)
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				n += countFields(s.Definition.SelectionSet, name, seen)
			}
		}
	}
	return n
}
