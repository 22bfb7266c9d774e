package graph

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/requestid"
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
	// AnonymousComplexity bounds the cost of an anonymous operation; default 25,000 (a
	// launch's whole programme with speakers, without first, is about 10,200).
	AnonymousComplexity int
	// KeyComplexity bounds the cost for partner and admin keys; default 50,000.
	KeyComplexity int
	// MaxFilterDepth bounds the nesting of input objects in one `where` argument (and, or,
	// not and has…With each open one); default 8.
	MaxFilterDepth int
	// MaxFilterConditions bounds the conditions of one `where` argument (each field, each
	// list element of an …In field, each has…With element); default 100.
	MaxFilterConditions int
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
	def(&l.AnonymousComplexity, 25_000)
	def(&l.KeyComplexity, 50_000)
	def(&l.MaxFilterDepth, 8)
	def(&l.MaxFilterConditions, 100)
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
	w := walker{ctx: ctx, limits: s.Limits, vars: oc.Variables, memo: map[fragmentKey]measure{}, visiting: map[string]bool{}}
	m := w.walk(oc.Operation.SelectionSet, 0)
	if w.err != nil {
		return w.err
	}
	if m.depth > s.MaxDepth {
		return limitError(apperr.DepthLimitExceeded, fmt.Sprintf("operation is nested %d levels deep, more than the limit of %d", m.depth, s.MaxDepth))
	}
	if m.aliases > s.MaxAliases {
		return limitError(apperr.AliasLimitExceeded, fmt.Sprintf("operation has %d aliases, more than the limit of %d", m.aliases, s.MaxAliases))
	}
	if limit := s.complexityFor(ctx); m.cost > limit {
		return limitError(apperr.ComplexityLimitExceeded, fmt.Sprintf("operation has complexity %d, more than the limit of %d", m.cost, limit))
	}
	return nil
}

func limitError(code apperr.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

// measure is what the walker finds in a selection set.
type measure struct{ depth, cost, aliases int }

// maxMeasure caps every count (well above any limit), so that sums and products of
// hostile shapes cannot overflow.
const maxMeasure = 1 << 40

func (m *measure) add(o measure) {
	m.depth = max(m.depth, o.depth)
	m.cost = min(m.cost+o.cost, maxMeasure)
	m.aliases = min(m.aliases+o.aliases, maxMeasure)
}

// maxWalkSteps bounds the selections one measurement visits. With fragments measured once
// each it is bounded by the document itself (at most MaxTokens); this is a safety net.
const maxWalkSteps = 100_000

// fragmentKey names a fragment measured within a connection of a page size (0: elsewhere),
// since its `edges` cost that many times.
type fragmentKey struct {
	name string
	page int
}

// walker measures an operation: its depth in objects (a connection's `edges` and `node`
// do not count, so regions → launches → sessions → speakers is 4 deep), its aliases, and
// its cost: the rows it can read, not the length of its text. An object costs 1 plus what
// it selects, a scalar nothing (a column of a row already read), a connection 1 (its
// query) plus totalCount 1, its filter (filter), and first (or last, or the default page
// of 100) times 1 plus the cost of each node.
// Each spread counts (as if each executed), but each fragment is measured once (memo):
// 27 fragments each spreading the next twice cost 2^27 without it. The walk stops when
// ctx ends or after maxWalkSteps selections.
type walker struct {
	ctx      context.Context
	limits   Limits
	vars     map[string]any
	memo     map[fragmentKey]measure
	visiting map[string]bool
	steps    int
	err      *gqlerror.Error
}

// walk measures set; page > 0 when set belongs to a connection of that page size.
func (w *walker) walk(set ast.SelectionSet, page int) measure {
	var m measure
	for _, sel := range set {
		if w.step() {
			return m
		}
		switch s := sel.(type) {
		case *ast.Field:
			m.add(w.field(s, page))
		case *ast.InlineFragment:
			m.add(w.walk(s.SelectionSet, page))
		case *ast.FragmentSpread:
			m.add(w.spread(s, page))
		}
	}
	return m
}

// step counts one selection and reports whether the walk must stop.
func (w *walker) step() bool {
	if w.err != nil {
		return true
	}
	w.steps++
	switch {
	case w.steps > maxWalkSteps:
		w.err = limitError(apperr.ComplexityLimitExceeded, fmt.Sprintf("operation has more than %d selections to measure", maxWalkSteps))
	case w.steps%1024 == 0 && w.ctx.Err() != nil:
		w.err = limitError(apperr.Unavailable, "the request ended before its cost was measured")
	}
	return w.err != nil
}

func (w *walker) spread(s *ast.FragmentSpread, page int) measure {
	key := fragmentKey{s.Name, page}
	if m, ok := w.memo[key]; ok {
		return m
	}
	if s.Definition == nil || w.visiting[s.Name] {
		return measure{} // a cycle: validation reports it
	}
	w.visiting[s.Name] = true
	m := w.walk(s.Definition.SelectionSet, page)
	delete(w.visiting, s.Name)
	w.memo[key] = m
	return m
}

func (w *walker) field(f *ast.Field, page int) measure {
	var m measure
	if f.Alias != "" && f.Alias != f.Name {
		m.aliases = 1
	}
	switch {
	case strings.HasPrefix(f.Name, "__"):
		m.cost = 1 // introspection is bounded by the schema itself
		return m
	case isConnection(f.Definition):
		inner := w.walk(f.SelectionSet, pageSize(f, w.vars))
		m.add(measure{depth: 1 + inner.depth, cost: min(1+w.filter(f)+inner.cost, maxMeasure), aliases: inner.aliases})
	case page > 0 && isEdges(f):
		inner := w.walk(f.SelectionSet, 0)
		inner.cost = min((1+inner.cost)*page, maxMeasure) // each node is a row; inner.cost < 2^40, page ≤ 100
		m.add(inner)
	case isRelayWrapper(f):
		m.add(w.walk(f.SelectionSet, 0))
	case len(f.SelectionSet) == 0: // a column of the row already read; a count is a query
		m.depth = 1
		if f.Name == "totalCount" && f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection") {
			m.cost = 1
		}
	default: // an object: one row
		inner := w.walk(f.SelectionSet, 0)
		m.add(measure{depth: 1 + inner.depth, cost: min(1+inner.cost, maxMeasure), aliases: inner.aliases})
	}
	return m
}

// edgeFilterCost is what one has…With condition costs: a subquery per row.
const edgeFilterCost = 10

// filter checks the `where` argument of f against the filter limits and returns its cost:
// one per condition and edgeFilterCost per has…With condition. Fifty has…With levels
// (2 KB) kept PostgreSQL busy for the whole operation timeout without this bound.
func (w *walker) filter(f *ast.Field) int {
	arg := f.Arguments.ForName("where")
	if arg == nil {
		return 0
	}
	v, err := arg.Value.Value(w.vars)
	if err != nil {
		return 0 // gqlgen reports bad variables itself
	}
	s := filterShape(v)
	switch {
	case s.depth > w.limits.MaxFilterDepth:
		w.err = limitError(apperr.DepthLimitExceeded, fmt.Sprintf("the filter of %s is nested %d levels deep, more than the limit of %d", f.Name, s.depth, w.limits.MaxFilterDepth))
	case s.conditions > w.limits.MaxFilterConditions:
		w.err = limitError(apperr.ComplexityLimitExceeded, fmt.Sprintf("the filter of %s has %d conditions, more than the limit of %d", f.Name, s.conditions, w.limits.MaxFilterConditions))
	}
	return s.conditions + edgeFilterCost*s.edges
}

// shape is the size of a filter value.
type shape struct{ depth, conditions, edges int }

// filterShape measures a `where` value (input objects as maps, lists as slices).
func filterShape(v any) shape {
	var s shape
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch inner := filterShape(x); {
			case k == "and" || k == "or" || k == "not":
				s.depth, s.conditions, s.edges = max(s.depth, inner.depth), s.conditions+inner.conditions, s.edges+inner.edges
			case strings.HasPrefix(k, "has") && strings.HasSuffix(k, "With"):
				n := elements(x)
				s.depth, s.conditions, s.edges = max(s.depth, inner.depth), s.conditions+inner.conditions+n, s.edges+inner.edges+n
			default:
				s.conditions += max(elements(x), 1)
			}
		}
		s.depth++
	case []any:
		for _, x := range v {
			inner := filterShape(x)
			s.depth, s.conditions, s.edges = max(s.depth, inner.depth), s.conditions+inner.conditions, s.edges+inner.edges
		}
	}
	return s
}

// elements is the length of a list value, 1 for anything else.
func elements(v any) int {
	if l, ok := v.([]any); ok {
		return len(l)
	}
	return 1
}

// pageSize is the rows connection field f can return: first (or last), else MaxPageSize.
func pageSize(f *ast.Field, vars map[string]any) int {
	size := int64(MaxPageSize)
	for _, name := range []string{"first", "last"} {
		if arg := f.Arguments.ForName(name); arg != nil {
			if v, err := arg.Value.Value(vars); err == nil {
				if n, ok := asInt(v); ok && n >= 0 && n <= MaxPageSize {
					size = n
				}
			}
		}
	}
	return int(size)
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

// isEdges reports a connection's edges field.
func isEdges(f *ast.Field) bool {
	return f.Name == "edges" && f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection")
}

// introspectionPolicy allows introspection for everyone when anonymous is true, and for
// admins always. Refused, an operation that selects __schema or __type gets FORBIDDEN
// before it runs (logged at info), not gqlgen's uncoded error.
type introspectionPolicy struct {
	anonymous bool
	logger    *slog.Logger
}

var (
	_ graphql.HandlerExtension        = introspectionPolicy{}
	_ graphql.OperationContextMutator = introspectionPolicy{}
)

func (introspectionPolicy) ExtensionName() string                   { return "IntrospectionPolicy" }
func (introspectionPolicy) Validate(graphql.ExecutableSchema) error { return nil }

func (p introspectionPolicy) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = !p.anonymous && !auth.FromContext(ctx).IsAdmin()
	if !oc.DisableIntrospection || oc.Operation == nil || !introspects(oc.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	if p.logger != nil {
		p.logger.InfoContext(ctx, "graphql: introspection refused", "request_id", requestid.From(ctx))
	}
	return limitError(apperr.Forbidden, "introspection is disabled on this server; the schema is published with the API's documentation")
}

// introspects reports whether set selects __schema or __type anywhere.
func introspects(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if introspects(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
