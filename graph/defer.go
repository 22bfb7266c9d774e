package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
)

// msgDefer tells a client that sent @defer what to do instead.
const msgDefer = "@defer is not supported: none of the transports delivers the deferred parts " +
	"(they would read as null); ask for the fields without @defer, or in a second request"

// noDefer refuses an operation that uses @defer with OPERATION_NOT_SUPPORTED. gqlgen's
// schema prelude declares the directive, so it passes validation, but neither the HTTP
// transports nor the websockets send incremental payloads: the deferred fields would be
// answered as null, with the rest never following.
type noDefer struct{}

func (noDefer) ExtensionName() string                   { return "NoDefer" }
func (noDefer) Validate(graphql.ExecutableSchema) error { return nil }

func (noDefer) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Doc == nil {
		return nil
	}
	found := defers(oc.Operation.SelectionSet)
	for _, f := range oc.Doc.Fragments {
		found = found || defers(f.SelectionSet)
	}
	if !found {
		return nil
	}
	return &gqlerror.Error{Message: msgDefer, Extensions: map[string]any{"code": string(apperr.OperationNotSupported)}}
}

// defers reports whether set or a selection under it carries @defer.
func defers(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if defers(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if s.Directives.ForName("defer") != nil || defers(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Directives.ForName("defer") != nil {
				return true
			}
		}
	}
	return false
}
