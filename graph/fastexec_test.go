package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
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
		{"a registrant's launch (an entgql edge method)", `{ registrants(first: 5) { edges { node { name launch { id } } } } }`,
			[]string{"registrants", "edges"}, "RegistrantEdge", true},
		{"a launch's title (a resolver that never waits)", `{ launches(first: 5) { edges { node { id title } } } }`,
			[]string{"launches", "edges"}, "LaunchEdge", true},
		{"regions → launches → registrants (edges and texts)", `{ regions { edges { node { code launches(first: 60) { totalCount
			edges { node { title registrants(first: 10) { edges { node { name status } } } } } } } } } }`,
			[]string{"regions", "edges"}, "RegionEdge", true},
		{"a launch's region (a loader)", `{ launches(first: 5) { edges { node { id region { code } } } } }`,
			[]string{"launches", "edges"}, "LaunchEdge", false},
		{"a session's local times (a resolver that loads)", `{ sessions(first: 5) { edges { node { localTimes(zones: ["UTC"]) { zone } } } } }`,
			[]string{"sessions", "edges"}, "SessionEdge", false},
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

// A field resolved in place leaves its field set as gqlgen's ResolveConcurrently and
// Dispatch leave it: the same value, the same invalid count, the same error at the same
// path; and it is resolved before Dispatch, in the caller's goroutine. On a fastObject
// (resolveNowFast) likewise, and when the operation may defer it is scheduled as gqlgen
// schedules it, then run by Dispatch.
func TestResolveNowAsResolveConcurrently(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		name    string
		nonNull bool
		result  graphql.Marshaler
		panics  bool
	}{
		{"a value", true, graphql.MarshalString("x"), false},
		{"null where non-null", true, graphql.Null, false},
		{"null where nullable", false, graphql.Null, false},
		{"a required null where nullable", false, graphql.RequiredNull, false},
		{"a panic", true, nil, true},
		{"a panic where nullable", false, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			run := func(how string) (graphql.Marshaler, uint32, gqlerrorList) {
				oc, _ := operationAt(t, `{ launches(first: 1) { totalCount } }`)
				ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
					func(context.Context, any) error { return boom })
				ctx = graphql.WithOperationContext(ctx, oc)
				oc.RecoverFunc = func(context.Context, any) error { return boom }
				field := graphql.CollectedField{Field: &ast.Field{Alias: "title", Name: "title"}}
				ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: field})
				out := graphql.NewFieldSet([]graphql.CollectedField{field})
				var st fastState
				deferred := st.deferredGroup(ctx, oc)
				resolve := func(context.Context) graphql.Marshaler {
					if tt.panics {
						panic("resolver")
					}
					return tt.result
				}
				switch how {
				case "in place":
					st.resolveNow(ctx, oc, out, &deferred, field, 0, true, tt.nonNull, resolve)
					if out.Values[0] == nil {
						t.Fatal("not resolved before Dispatch")
					}
				case "fast", "fast, may defer":
					fast := newFastObject([]graphql.CollectedField{field})
					st.mayDefer = how == "fast, may defer"
					st.resolveNowFast(ctx, oc, fast, &deferred, field, 0, true, tt.nonNull, resolve)
					if (fast.Values[0] == nil) != st.mayDefer {
						t.Fatalf("resolved before Dispatch: %v (may defer: %v)", fast.Values[0] != nil, st.mayDefer)
					}
					fast.Dispatch(ctx)
					return fast.Values[0], fast.Invalids, gqlerrorList(graphql.GetErrors(ctx))
				default:
					out.ResolveConcurrently(oc, &deferred, 0, true, tt.nonNull, resolve)
				}
				out.Dispatch(ctx)
				return out.Values[0], out.Invalids, gqlerrorList(graphql.GetErrors(ctx))
			}
			wantV, wantInvalids, wantErrs := run("gqlgen")
			for _, how := range []string{"in place", "fast", "fast, may defer"} {
				gotV, gotInvalids, gotErrs := run(how)
				if marshalled(gotV) != marshalled(wantV) || gotInvalids != wantInvalids || gotErrs.String() != wantErrs.String() {
					t.Fatalf("%s: %v, %d invalid, errors %s; gqlgen: %v, %d invalid, errors %s",
						how, gotV, gotInvalids, gotErrs, wantV, wantInvalids, wantErrs)
				}
			}
		})
	}
}

// marshalled is m written out ("<nil>" for none).
func marshalled(m graphql.Marshaler) string {
	if m == nil {
		return "<nil>"
	}
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.String()
}

// gqlerrorList prints errors with their paths.
type gqlerrorList []*gqlerror.Error

func (l gqlerrorList) String() string {
	var b strings.Builder
	for _, e := range l {
		fmt.Fprintf(&b, "%s@%s;", e.Message, e.Path)
	}
	return b.String()
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

// A fastObject is written byte for byte as gqlgen's FieldSet writes the same values, at
// every size of its inline buffers and beyond.
func TestFastObjectAsFieldSet(t *testing.T) {
	fields := make([]graphql.CollectedField, 12)
	values := make([]graphql.Marshaler, len(fields))
	for i := range fields {
		fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: "f" + string(rune('a'+i)), Name: "f"}}
		values[i] = graphql.MarshalString("v\"" + string(rune('a'+i)))
	}
	values[3] = graphql.Null
	for n := range len(fields) + 1 {
		fs := graphql.NewFieldSet(fields[:n])
		o := newFastObject(fields[:n])
		if len(o.Values) != n || cap(o.Values) != n {
			t.Fatalf("%d fields: %d values (cap %d)", n, len(o.Values), cap(o.Values))
		}
		copy(fs.Values, values)
		copy(o.Values, values)
		o.Dispatch(context.Background())
		var want, got strings.Builder
		fs.MarshalGQL(&want)
		o.MarshalGQL(&got)
		if got.String() != want.String() {
			t.Fatalf("%d fields: got %s, want %s", n, got.String(), want.String())
		}
	}
}

// A frame is found as the FieldContext of its context, whose parent it names; other values,
// cancellation and a FieldContext derived under it go through as with
// graphql.WithFieldContext.
func TestFieldFrame(t *testing.T) {
	type key struct{}
	base, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	parent := &graphql.FieldContext{Object: "Query"}
	ctx := graphql.WithFieldContext(base, parent)
	fr := &fieldFrame{fc: graphql.FieldContext{Object: "RegistrantEdge"}}
	fctx := fr.derive(ctx)
	if got := graphql.GetFieldContext(fctx); got != &fr.fc || got.Parent != parent {
		t.Fatalf("field context %p (parent %p), want %p (parent %p)", got, got.Parent, &fr.fc, parent)
	}
	if fctx.Value(key{}) != "v" {
		t.Fatal("a parent's value is lost")
	}
	child := &graphql.FieldContext{Object: "Registrant"}
	if got := graphql.GetFieldContext(graphql.WithFieldContext(fctx, child)); got != child || child.Parent != &fr.fc {
		t.Fatal("a field context under the frame does not name it as its parent")
	}
	cancel()
	select {
	case <-fctx.Done():
	default:
		t.Fatal("the frame's context is not cancelled with its parent")
	}
}

// objectField answers as graphql.ResolveField does for the same field: the value, a null,
// a non-null field's null (an error at its path), a panic (an error at its path, and null).
func TestObjectFieldAsResolveField(t *testing.T) {
	oc, sel := operationAt(t, `{ registrants(first: 3) { edges { node { name } } } }`, "registrants", "edges")
	node := graphql.CollectFields(oc, sel, nil)[0]
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }
	oc.RecoverFunc = func(_ context.Context, r any) error { return fmt.Errorf("recovered: %v", r) }
	type registrant struct{ Name string }
	marshal := func(_ context.Context, sel ast.SelectionSet, v *registrant) graphql.Marshaler {
		if v == nil {
			return graphql.Null
		}
		if v.Name == "panic" {
			panic("marshal")
		}
		return graphql.MarshalString(v.Name)
	}
	marshalAny := func(_ context.Context, _ ast.SelectionSet, v fmt.Stringer) graphql.Marshaler {
		return graphql.MarshalString(v.String())
	}
	fcOf := func() graphql.FieldContext {
		return graphql.FieldContext{Object: "RegistrantEdge", Field: node,
			Child: func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error) { return nil, nil }}
	}
	run := func(resolve func(ctx context.Context) graphql.Marshaler) (string, string) {
		ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
			func(_ context.Context, r any) error { return fmt.Errorf("recovered: %v", r) })
		ctx = graphql.WithOperationContext(ctx, oc)
		idx := 1
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "edges"}}})
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &idx})
		var b strings.Builder
		m := resolve(ctx)
		m.MarshalGQL(&b)
		var errs []string
		for _, e := range graphql.GetErrors(ctx) {
			errs = append(errs, e.Message+" at "+e.Path.String())
		}
		return b.String(), strings.Join(errs, "; ")
	}
	for name, v := range map[string]*registrant{"value": {Name: "Ana"}, "nil": nil, "panic": {Name: "panic"}} {
		for _, nonNull := range []bool{false, true} {
			wantOut, wantErrs := run(func(ctx context.Context) graphql.Marshaler {
				fc := fcOf()
				return graphql.ResolveField(ctx, oc, node,
					func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error) { return &fc, nil },
					func(context.Context) (any, error) { return v, nil }, nil, marshal, true, nonNull)
			})
			gotOut, gotErrs := run(func(ctx context.Context) graphql.Marshaler {
				return objectField(ctx, oc, &fieldFrame{fc: fcOf()}, v, nonNull, marshal)
			})
			if gotOut != wantOut || gotErrs != wantErrs {
				t.Errorf("%s (non-null %v): got %s [%s], want %s [%s]", name, nonNull, gotOut, gotErrs, wantOut, wantErrs)
			}
		}
	}
	for _, nonNull := range []bool{false, true} { // a nil interface
		wantOut, wantErrs := run(func(ctx context.Context) graphql.Marshaler {
			fc := fcOf()
			return graphql.ResolveField(ctx, oc, node,
				func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error) { return &fc, nil },
				func(context.Context) (any, error) { return fmt.Stringer(nil), nil }, nil, marshalAny, true, nonNull)
		})
		gotOut, gotErrs := run(func(ctx context.Context) graphql.Marshaler {
			return objectField(ctx, oc, &fieldFrame{fc: fcOf()}, fmt.Stringer(nil), nonNull, marshalAny)
		})
		if gotOut != wantOut || gotErrs != wantErrs {
			t.Errorf("nil interface (non-null %v): got %s [%s], want %s [%s]", nonNull, gotOut, gotErrs, wantOut, wantErrs)
		}
		if nonNull && wantErrs == "" {
			t.Error("a non-null field's nil interface gives no error")
		}
	}
}

// A connection asked without first or last gets its default page's hook: it is not a
// plain object field; its edges and their nodes are.
func TestPlainObjectField(t *testing.T) {
	oc, sel := operationAt(t, `{ launches(first: 1) { edges { node { id registrants { totalCount } } } } }`, "launches", "edges", "node")
	want := map[string]bool{"id": true, "registrants": false}
	for _, f := range graphql.CollectFields(oc, sel, nil) {
		if got := plainObjectField(f); got != want[f.Name] {
			t.Errorf("%s: plain %v, want %v", f.Name, got, want[f.Name])
		}
	}
	oc, sel = operationAt(t, `{ launches(first: 1) { edges { node { id } cursor } } }`, "launches", "edges")
	for _, f := range graphql.CollectFields(oc, sel, nil) {
		if !plainObjectField(f) {
			t.Errorf("%s is not plain", f.Name)
		}
	}
}

// marshalData writes what gqlgen's bytes.Buffer holds, in a slice of its own.
func TestMarshalData(t *testing.T) {
	for _, m := range []graphql.Marshaler{graphql.Null, graphql.MarshalString(strings.Repeat("é\"", 5000)), graphql.WriterFunc(func(io.Writer) {})} {
		var buf bytes.Buffer
		m.MarshalGQL(&buf)
		a, b := marshalData(m), marshalData(m)
		if !bytes.Equal(a, buf.Bytes()) || (a == nil) != (buf.Bytes() == nil) {
			t.Fatalf("got %q, want %q", a, buf.Bytes())
		}
		if len(a) > 0 && &a[0] == &b[0] {
			t.Fatal("two responses share their bytes")
		}
	}
}

// marshalTime writes what graphql.MarshalTime writes, into marshalData's buffer (already
// holding a response's start) and into any other writer; the zero time is null.
func TestMarshalTimeAsGqlgen(t *testing.T) {
	kolkata := time.FixedZone("IST", 5*3600+1800)
	for _, tm := range []time.Time{
		{},
		time.Date(2020, 11, 26, 9, 0, 0, 0, time.UTC),
		time.Date(2020, 11, 26, 9, 0, 0, 123456789, kolkata),
		time.Date(2021, 2, 3, 4, 5, 6, 700, time.FixedZone("", -3*3600)),
		time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := graphql.MarshalTime(tm)
		got := marshalTime(tm)
		if (want == graphql.Null) != (got == graphql.Null) {
			t.Fatalf("%v: null %v, want %v", tm, got == graphql.Null, want == graphql.Null)
		}
		var wb, gb bytes.Buffer
		wb.WriteString(`{"at":`)
		gb.WriteString(`{"at":`)
		want.MarshalGQL(&wb)
		got.MarshalGQL(&gb)
		var gs strings.Builder
		got.MarshalGQL(&gs)
		if gb.String() != wb.String() || `{"at":`+gs.String() != wb.String() {
			t.Errorf("%v: wrote %q and %q, want %q", tm, gb.String(), gs.String(), wb.String())
		}
	}
}

// marshalIntID writes what graphql.MarshalIntID writes, into a bytes.Buffer and any other
// writer.
func TestMarshalIntIDAsGqlgen(t *testing.T) {
	for _, id := range []int{0, 7, -12, 8589934592, math.MaxInt64, math.MinInt64} {
		want, got := marshalled(graphql.MarshalIntID(id)), marshalled(marshalIntID(id))
		var sb strings.Builder
		marshalIntID(id).MarshalGQL(&sb)
		if got != want || sb.String() != want {
			t.Errorf("%d: wrote %s and %s, want %s", id, got, sb.String(), want)
		}
	}
}

// Every field listed as never waiting is a field of the schema that the generated executor
// resolves in place (internal/execpatch read the list): none is left in concurrentFields.
func TestNeverWaitingFields(t *testing.T) {
	for _, name := range neverWaitingFields {
		typ, field, ok := strings.Cut(name, ".")
		def := parsedSchema.Types[typ]
		if !ok || def == nil || def.Fields.ForName(field) == nil {
			t.Errorf("%s: no such field", name)
			continue
		}
		if concurrentFields[name] {
			t.Errorf("%s: still run concurrently (regenerate: go generate ./...)", name)
		}
	}
	if !concurrentFields["Launch.region"] || !concurrentFields["Launch.registrationStats"] {
		t.Error("fields that load through a loader are no longer concurrent")
	}
}
