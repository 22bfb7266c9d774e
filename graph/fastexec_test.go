package graph

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// operationAt parses query against the schema and returns its operation context and the
// selection set under the field path (aliases or names, from the operation's root).
func operationAt(t *testing.T, query string, path ...string) (*graphql.OperationContext, ast.SelectionSet) {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(parsedSchema, query, nil)
	if errs != nil {
		t.Fatalf("parse: %v", errs)
	}
	oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], RawQuery: query, Variables: map[string]any{}}
	sel := oc.Operation.SelectionSet
	for _, name := range path {
		var next ast.SelectionSet
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			if f.Alias == name {
				next = f.Selections
			}
		}
		if next == nil {
			t.Fatalf("no field %q", name)
		}
		sel = next
	}
	return oc, sel
}

// A list is written serially only when nothing under its elements can wait on a loader.
func TestSerialSafe(t *testing.T) {
	tests := []struct {
		name, query string
		path        []string
		elem        string
		want        bool
	}{
		{"registrants' scalars", `{ registrants(first: 5) { edges { node { id name status createdAt } cursor } } }`,
			[]string{"registrants", "edges"}, "RegistrantEdge", true},
		{"through a fragment", `{ registrants(first: 5) { edges { node { ...R } } } } fragment R on Registrant { name email }`,
			[]string{"registrants", "edges"}, "RegistrantEdge", true},
		{"a registrant's launch (a method with a context)", `{ registrants(first: 5) { edges { node { name launch { id } } } } }`,
			[]string{"registrants", "edges"}, "RegistrantEdge", false},
		{"a launch's title (a resolver)", `{ launches(first: 5) { edges { node { id title } } } }`,
			[]string{"launches", "edges"}, "LaunchEdge", false},
		{"a launch's stats (a loader)", `{ launches(first: 5) { edges { node { registrationStats { total } } } } }`,
			[]string{"launches", "edges"}, "LaunchEdge", false},
		{"a launch's plain fields", `{ launches(first: 5) { edges { node { id slug startsAt } } } }`,
			[]string{"launches", "edges"}, "LaunchEdge", true},
		{"an interface", `{ nodes(ids: ["1"]) { id } }`, []string{"nodes"}, "Node", false},
		{"scalars", `{ launches(first: 1) { edges { node { languages } } } }`, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oc, sel := operationAt(t, tt.query, tt.path...)
			var st fastState
			x := execSchema{oc: oc, schema: parsedSchema, concurrent: concurrentFields}
			if got := st.serialSafe(x, tt.elem, sel); got != tt.want {
				t.Fatalf("serialSafe = %v, want %v", got, tt.want)
			}
		})
	}
}

// A panic in an element written serially becomes that element's null and an error at its
// path, as in gqlgen's concurrent marshalling.
func TestMarshalSliceSerialPanic(t *testing.T) {
	oc, sel := operationAt(t, `{ registrants(first: 3) { edges { cursor } } }`, "registrants", "edges")
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
		func(context.Context, any) error { return errors.New("boom") })
	ctx = graphql.WithOperationContext(ctx, oc)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "edges"}}})
	var st fastState
	x := execSchema{oc: oc, schema: parsedSchema, concurrent: concurrentFields}
	got := st.marshalSlice(ctx, x, sel, "RegistrantEdge", 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if fc := graphql.GetFieldContext(ctx); fc.Index == nil || *fc.Index != i {
			t.Errorf("element %d: field context index %v", i, fc.Index)
		}
		if i == 1 {
			panic("element 1")
		}
		return graphql.MarshalInt(i)
	})
	if len(got) != 3 || got[1] != graphql.Null || got[0] == graphql.Null || got[2] == graphql.Null {
		t.Fatalf("got %v", got)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Message != "boom" || errs[0].Path.String() != "edges[1]" {
		t.Fatalf("errors %v (path %v)", errs, errs[0].Path)
	}
}

// Only an operation with @defer pays for deferred groups.
func TestDeferredGroupOnlyWithDefer(t *testing.T) {
	for query, want := range map[string]bool{
		`{ launches { totalCount } }`:                                 false,
		`{ launches { edges { node { id ... @defer { title } } } } }`: true,
	} {
		var st fastState
		dg := st.deferredGroup(context.Background(), &graphql.OperationContext{RawQuery: query})
		if got := dg.Defers != nil; got != want {
			t.Errorf("%s: deferred group ready %v, want %v", query, got, want)
		}
	}
}

// A field given arguments or directives goes through gqlgen's field middleware.
func TestPlainField(t *testing.T) {
	oc, sel := operationAt(t, `{ launches(first: 1) { edges { node { id startsAt(tz: "Europe/Paris") endsAt } } } }`,
		"launches", "edges", "node")
	want := map[string]bool{"id": true, "startsAt": false, "endsAt": true}
	for _, f := range graphql.CollectFields(oc, sel, nil) {
		if got := plainField(f); got != want[f.Name] {
			t.Errorf("%s: plain %v, want %v", f.Name, got, want[f.Name])
		}
	}
}

// An object is written byte for byte as gqlgen's FieldSet writes it.
func TestFieldsJSONAsFieldSet(t *testing.T) {
	oc, sel := operationAt(t, `{ launches(first: 1) { edges { node { id t: title slug venue } } } }`, "launches", "edges", "node")
	fields := graphql.CollectFields(oc, sel, nil)
	values := []graphql.Marshaler{graphql.MarshalIntID(7), graphql.MarshalString("Lancement « COP » \"2020\"\n"), graphql.MarshalString("afr"), graphql.Null}
	for _, n := range []int{0, 1, len(fields)} {
		fs := graphql.NewFieldSet(fields[:n])
		copy(fs.Values, values)
		var want, got strings.Builder
		fs.MarshalGQL(&want)
		fieldsJSON{fields[:n], values[:n]}.MarshalGQL(&got)
		if got.String() != want.String() {
			t.Fatalf("%d fields: got %s, want %s", n, got.String(), want.String())
		}
	}
}
