package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// Limits bound what one operation may ask for. Zero values take the defaults.
type Limits struct {
	// MaxDepth bounds the nesting of fields (introspection excluded); default 12.
	MaxDepth int
	// MaxAliases bounds aliased fields per operation; default 30.
	MaxAliases int
	// MaxTokens bounds the tokens the parser reads; default 10,000.
	MaxTokens int
	// MaxFields bounds how often one selection set (its inline fragments included) may
	// write one response name, and how many fragments it may spread; default 100. (Other
	// fields are bounded by the type's fields and MaxAliases.)
	MaxFields int
	// AnonymousComplexity bounds the cost of an anonymous operation; default 2,000.
	AnonymousComplexity int
	// KeyComplexity bounds the cost for partner and admin keys; default 50,000.
	KeyComplexity int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxDepth, 12)
	def(&l.MaxAliases, 30)
	def(&l.MaxTokens, 10_000)
	def(&l.MaxFields, 100)
	def(&l.AnonymousComplexity, 2_000)
	def(&l.KeyComplexity, 50_000)
	return l
}

// complexityFor returns the complexity budget of the viewer.
func (l Limits) complexityFor(ctx context.Context) int {
	if auth.FromContext(ctx).Role == auth.Public {
		return l.AnonymousComplexity
	}
	return l.KeyComplexity
}

// shapeLimit rejects operations nested deeper than MaxDepth or with more than MaxAliases
// aliases, before anything executes.
type shapeLimit struct{ Limits }

var (
	_ graphql.HandlerExtension        = shapeLimit{}
	_ graphql.OperationContextMutator = shapeLimit{}
)

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (s shapeLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{visiting: map[string]bool{}, vars: oc.Variables}
	depth, cost := w.walk(oc.Operation.SelectionSet)
	if depth > s.MaxDepth {
		return limitError(apperr.DepthLimitExceeded, fmt.Sprintf("operation is nested %d levels deep, more than the limit of %d", depth, s.MaxDepth))
	}
	if w.aliases > s.MaxAliases {
		return limitError(apperr.AliasLimitExceeded, fmt.Sprintf("operation has %d aliases, more than the limit of %d", w.aliases, s.MaxAliases))
	}
	if limit := s.complexityFor(ctx); cost > limit {
		return limitError(apperr.ComplexityLimitExceeded, fmt.Sprintf("operation has complexity %d, more than the limit of %d", cost, limit))
	}
	return nil
}

func limitError(code apperr.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

// walker measures an operation: its depth in objects (a connection's `edges` and `node`
// do not count, so regions → launches → sessions → speakers is 4 deep), its aliases, and
// its cost, where a connection costs its own fields plus first (or last, or the default
// page) times the cost of its edges — the rows it can return, not the length of its text.
// Fragments are followed (each spread counts, since each executes) and a fragment cycle
// stops the walk (validation reports those).
type walker struct {
	aliases  int
	visiting map[string]bool
	vars     map[string]any
}

func (w *walker) walk(set ast.SelectionSet) (depth, cost int) {
	for _, sel := range set {
		d, c := 0, 0
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if strings.HasPrefix(s.Name, "__") {
				c = 1 // introspection is bounded by the schema itself
				break
			}
			d, c = w.field(s)
		case *ast.InlineFragment:
			d, c = w.walk(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition == nil || w.visiting[s.Name] {
				continue
			}
			w.visiting[s.Name] = true
			d, c = w.walk(s.Definition.SelectionSet)
			delete(w.visiting, s.Name)
		}
		depth = max(depth, d)
		cost += c
	}
	return depth, cost
}

func (w *walker) field(f *ast.Field) (depth, cost int) {
	if !isConnection(f.Definition) {
		d, c := w.walk(f.SelectionSet)
		if isRelayWrapper(f) {
			return d, c
		}
		return 1 + d, 1 + c
	}
	size := int64(MaxPageSize)
	for _, name := range []string{"first", "last"} {
		if arg := f.Arguments.ForName(name); arg != nil {
			if v, err := arg.Value.Value(w.vars); err == nil {
				if n, ok := asInt(v); ok && n >= 0 && n <= MaxPageSize {
					size = n
				}
			}
		}
	}
	for _, sel := range f.SelectionSet {
		d, c := w.walk(ast.SelectionSet{sel})
		if isEdges(sel) {
			c *= int(max(size, 1))
		}
		depth = max(depth, d)
		cost += c
	}
	return 1 + depth, 1 + cost
}

// isRelayWrapper reports the `edges` and `node` levels of a connection.
func isRelayWrapper(f *ast.Field) bool {
	if f.ObjectDefinition == nil {
		return false
	}
	parent := f.ObjectDefinition.Name
	return (f.Name == "edges" && strings.HasSuffix(parent, "Connection")) ||
		(f.Name == "node" && strings.HasSuffix(parent, "Edge"))
}

// isEdges reports a connection's edges selection (directly, not through a fragment).
func isEdges(sel ast.Selection) bool {
	f, ok := sel.(*ast.Field)
	return ok && f.Name == "edges"
}

// introspectionPolicy allows introspection for everyone when anonymous is true, and for
// admins always.
type introspectionPolicy struct{ anonymous bool }

var (
	_ graphql.HandlerExtension        = introspectionPolicy{}
	_ graphql.OperationContextMutator = introspectionPolicy{}
)

func (introspectionPolicy) ExtensionName() string                   { return "IntrospectionPolicy" }
func (introspectionPolicy) Validate(graphql.ExecutableSchema) error { return nil }

func (p introspectionPolicy) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = !p.anonymous && !auth.FromContext(ctx).IsAdmin()
	return nil
}
