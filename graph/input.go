package graph

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
)

// textInput refuses an operation whose arguments hold a string with a NUL character,
// with BAD_USER_INPUT naming the argument (input.title): PostgreSQL cannot store one and
// would fail the statement, and SQLite would store what PostgreSQL cannot.
type textInput struct{}

var (
	_ graphql.HandlerExtension        = textInput{}
	_ graphql.OperationContextMutator = textInput{}
)

func (textInput) ExtensionName() string                   { return "TextInput" }
func (textInput) Validate(graphql.ExecutableSchema) error { return nil }

func (textInput) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if field, ok := nulArgument(oc.Operation.SelectionSet, oc.Variables, map[string]bool{}); ok {
		return &gqlerror.Error{
			Message:    field + ": must not contain a NUL character",
			Extensions: map[string]any{"code": string(apperr.BadUserInput), "field": field},
		}
	}
	return nil
}

// nulArgument returns the path of the first argument value in set holding a NUL.
func nulArgument(set ast.SelectionSet, vars map[string]any, seen map[string]bool) (string, bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, arg := range s.Arguments {
				if v, err := arg.Value.Value(vars); err == nil {
					if path, ok := nulIn(v, arg.Name); ok {
						return path, true
					}
				}
			}
			if path, ok := nulArgument(s.SelectionSet, vars, seen); ok {
				return path, true
			}
		case *ast.InlineFragment:
			if path, ok := nulArgument(s.SelectionSet, vars, seen); ok {
				return path, true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if path, ok := nulArgument(s.Definition.SelectionSet, vars, seen); ok {
					return path, true
				}
			}
		}
	}
	return "", false
}

// nulIn returns the path (under path) of a string in v holding a NUL.
func nulIn(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, strings.IndexByte(x, 0) >= 0
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same answer every time
		for _, k := range keys {
			if p, ok := nulIn(x[k], path+"."+k); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := nulIn(e, fmt.Sprintf("%s.%d", path, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}
