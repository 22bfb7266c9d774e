package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// fieldHooks is a gqlgen extension that runs field middleware only on the fields it applies
// to. gqlgen runs every FieldInterceptor (srv.AroundFields included) on every field of a
// response, each layer a closure per field, scalars of every row included; so instead, once
// per operation, fieldHooks walks the operation's selections (fragments included) and notes
// the fields that need a hook: a Time field given a `tz` argument (convertTimes, tz.go) and
// a connection field without a literal `first` or `last` (PageLimit.defaultPage,
// pagination.go). The operation's field
// middleware then calls a hook for those fields only, and stays gqlgen's passthrough when
// the operation has none.
type fieldHooks struct{}

var (
	_ graphql.HandlerExtension        = fieldHooks{}
	_ graphql.OperationContextMutator = fieldHooks{}
)

// ExtensionName names the extension.
func (fieldHooks) ExtensionName() string { return "FieldHooks" }

// Validate accepts any schema.
func (fieldHooks) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext installs the operation's field middleware.
func (fieldHooks) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	hooks := map[*ast.Field]graphql.FieldMiddleware{}
	collectHooks(oc.Operation.SelectionSet, hooks, map[string]bool{})
	if len(hooks) == 0 {
		return nil
	}
	base := oc.ResolverMiddleware
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			if hook := hooks[fc.Field.Field]; hook != nil {
				return hook(ctx, func(ctx context.Context) (any, error) { return base(ctx, next) })
			}
		}
		return base(ctx, next)
	}
	return nil
}

// collectHooks notes in hooks the fields of set that need one.
func collectHooks(set ast.SelectionSet, hooks map[*ast.Field]graphql.FieldMiddleware, seen map[string]bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if hook := hookOf(s); hook != nil {
				hooks[s] = hook
			}
			collectHooks(s.SelectionSet, hooks, seen)
		case *ast.InlineFragment:
			collectHooks(s.SelectionSet, hooks, seen)
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			collectHooks(s.Definition.SelectionSet, hooks, seen)
		}
	}
}

// hookOf is the field middleware f needs, nil for none.
func hookOf(f *ast.Field) graphql.FieldMiddleware {
	switch {
	case f.Definition == nil:
		return nil
	case isConnection(f.Definition):
		if given(f, "first") || given(f, "last") {
			return nil // the default page is for connections asked with neither
		}
		return PageLimit{}.defaultPage
	case f.Definition.Type.Name() == "Time" && f.Arguments.ForName("tz") != nil:
		return convertTimes
	}
	return nil
}

// given reports whether f has argument name as a literal other than null (a variable may
// turn out null, so it is not).
func given(f *ast.Field, name string) bool {
	arg := f.Arguments.ForName(name)
	return arg != nil && arg.Value != nil && arg.Value.Kind != ast.Variable && arg.Value.Kind != ast.NullValue
}
