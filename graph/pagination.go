package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
)

// MaxPageSize bounds `first` and `last` on every connection; it is also the page size of a
// connection queried without either.
const MaxPageSize = 100

// PageLimit is a gqlgen extension that rejects an operation asking any connection for more
// than MaxPageSize elements before anything executes (nested connections included, since
// field collection loads them up front), and gives connections without `first`/`last` a
// first page of MaxPageSize.
type PageLimit struct{}

var (
	_ graphql.HandlerExtension        = PageLimit{}
	_ graphql.OperationContextMutator = PageLimit{}
)

// ExtensionName names the extension.
func (PageLimit) ExtensionName() string { return "PageLimit" }

// Validate accepts any schema.
func (PageLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks every first/last argument of the operation.
func (PageLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return checkPageArgs(oc.Operation.SelectionSet, oc.Variables, map[string]bool{})
}

func checkPageArgs(set ast.SelectionSet, vars map[string]any, seen map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if isConnection(s.Definition) {
				for _, name := range []string{"first", "last"} {
					arg := s.Arguments.ForName(name)
					if arg == nil {
						continue
					}
					v, err := arg.Value.Value(vars)
					if err != nil {
						continue // gqlgen reports bad variables itself
					}
					if n, ok := asInt(v); ok && (n < 0 || n > MaxPageSize) {
						return &gqlerror.Error{
							Message:    name + ": must be between 0 and 100",
							Locations:  []gqlerror.Location{{Line: arg.Position.Line, Column: arg.Position.Column}},
							Extensions: map[string]any{"code": string(apperr.BadUserInput), "field": name},
						}
					}
				}
			}
			if err := checkPageArgs(s.SelectionSet, vars, seen); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := checkPageArgs(s.SelectionSet, vars, seen); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if err := checkPageArgs(s.Definition.SelectionSet, vars, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// defaultPage gives a connection queried without first/last a first page of MaxPageSize.
// It runs on connection fields only (fieldHooks, fields.go).
func (PageLimit) defaultPage(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.Args != nil && isConnection(fc.Field.Definition) {
		first, hasFirst := fc.Args["first"].(*int)
		last, hasLast := fc.Args["last"].(*int)
		if hasFirst && hasLast && first == nil && last == nil {
			n := MaxPageSize
			fc.Args["first"] = &n
		}
	}
	return next(ctx)
}

func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && def.Type != nil && strings.HasSuffix(def.Type.Name(), "Connection") &&
		def.Arguments.ForName("first") != nil
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case string:
		return 0, false
	}
	if num, ok := v.(interface{ Int64() (int64, error) }); ok {
		n, err := num.Int64()
		return n, err == nil
	}
	return 0, false
}
