package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// loadQuery parses and validates query against the schema.
func loadQuery(t *testing.T, query string) *ast.OperationDefinition {
	t.Helper()
	//lint:ignore SA1019 the default rules are the ones under test
	doc, errs := gqlparser.LoadQuery(NewExecutableSchema(Config{}).Schema(), query)
	if len(errs) > 0 {
		t.Fatalf("load: %v", errs)
	}
	return doc.Operations[0]
}

func measureOf(t *testing.T, query string, vars map[string]any) measure {
	t.Helper()
	w := walker{ctx: context.Background(), limits: Limits{}.withDefaults(), vars: vars, memo: map[fragmentKey]measure{}, visiting: map[string]bool{}}
	m := w.walk(loadQuery(t, query).SelectionSet, 0)
	if w.err != nil {
		t.Fatalf("walk: %v", w.err)
	}
	return m
}

func TestWalkerMeasures(t *testing.T) {
	tests := []struct {
		name, query string
		vars        map[string]any
		want        measure
	}{
		{"scalar", `{ __typename }`, nil, measure{0, 1, 0}},
		{"connection", `{ launches(first: 10) { totalCount edges { node { slug } } } }`, nil, measure{2, 1 + 1 + 10, 0}},
		{"page from a variable", `query($n: Int) { launches(first: $n) { edges { node { slug } } } }`, map[string]any{"n": 5}, measure{2, 1 + 5, 0}},
		{"default page", `{ launches { edges { node { slug } } } }`, nil, measure{2, 1 + 100, 0}},
		{"edges through a fragment cost as written inline",
			`{ launches(first: 10) { ...page } } fragment page on LaunchConnection { totalCount edges { node { slug } } }`, nil, measure{2, 1 + 1 + 10, 0}},
		{"one fragment in two page sizes",
			`{ a: launches(first: 10) { ...page } b: launches(first: 3) { ...page } } fragment page on LaunchConnection { edges { node { slug } } }`, nil, measure{2, (1 + 10) + (1 + 3), 2}},
		{"each spread counts", `{ ...f ...g } fragment f on Query { x: __typename } fragment g on Query { ...f }`, nil, measure{0, 2, 2}},
		{"exponential spreads saturate", fragmentChain(60), nil, measure{2, maxMeasure, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := measureOf(t, tt.query, tt.vars); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// fragmentChain is n fragments, each spreading the next twice.
func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("{ ...f0 } ")
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment f%d on Query { ...f%d ...f%d } ", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment f%d on Query { regions(first: 1) { totalCount } }", n-1)
	return b.String()
}

// The measurement stops when the request's context ends.
func TestWalkerObservesContext(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range 30 {
		fmt.Fprintf(&b, "...f%d ", i)
	}
	b.WriteString("} ")
	for i := range 30 {
		fmt.Fprintf(&b, "fragment f%d on Query { %s } ", i, strings.Repeat("__typename ", 40))
	}
	op := loadQuery(t, b.String())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := shapeLimit{Limits{}.withDefaults()}.MutateOperationContext(ctx, &graphql.OperationContext{Operation: op})
	if err == nil || err.Extensions["code"] != "UNAVAILABLE" {
		t.Fatalf("got %v, want UNAVAILABLE", err)
	}
}

func TestFilterShape(t *testing.T) {
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		v    any
		want shape
	}{
		{"none", nil, shape{}},
		{"one field", obj("slug", "x"), shape{1, 1, 0}},
		{"an In list counts its elements", obj("slugIn", []any{"a", "b", "c"}), shape{1, 3, 0}},
		{"boolean edge predicate", obj("hasRegion", true), shape{1, 1, 0}},
		{"edge filter", obj("hasRegionWith", []any{obj("code", "EUR")}), shape{2, 2, 1}},
		{"two edge elements", obj("hasRegionWith", []any{obj("code", "EUR"), obj("code", "AFR")}), shape{2, 4, 2}},
		{"not and or nest", obj("not", obj("or", []any{obj("slug", "a"), obj("and", []any{obj("slug", "b")})})), shape{4, 2, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filterShape(tt.v); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFilterCost(t *testing.T) {
	got := measureOf(t, `{ launches(first: 1, where: {slug: "a", hasRegionWith: [{code: "EUR"}]}) { totalCount } }`, nil)
	// launches 1 + conditions (slug, the region element, code) 3 + one edge 10 + totalCount 1
	if want := (measure{depth: 2, cost: 1 + 3 + edgeFilterCost + 1}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
