// Command execpatch rewrites gqlgen's generated executor (graph/generated.go) to call the
// fast paths of graph/fastexec.go, and writes the table those need. It runs in
// `go generate ./...` right after gqlgen; on a file it has already patched it does nothing.
//
// The rewrites, each checked against the count of what it replaces:
//
//	graphql.CollectFields(ec.OperationContext, sel, X)  → ec.collectFields(sel, X)
//	graphql.NewDeferredGroup(ctx)                       → ec.deferredGroup(ctx)
//	ec.ProcessDeferredGroup(deferred)                   → ec.ProcessDeferredGroup(withPath(deferred))
//	graphql.MarshalSliceConcurrently(ctx, …)            → ec.marshalSlice(ctx, sel, "Elem", …)
//
// and, before the graphql.ResolveField call of every plain scalar field (its resolver is
// `return obj.F, nil`, no directive, and a marshaller that cannot fail: strings, integers,
// IDs, booleans, enums, cursors, times that are not zero, and their nullable forms),
//
//	if plainField(field) { return ec.marshal…(ctx, field.Selections, obj.F) }
//
// and, before the graphql.ResolveField call of every plain object field (its resolver is
// `return obj.F, nil`, no directive, its FieldContext an object field's literal),
//
//	if plainObjectField(field) { return objectField[T](ctx, ec.OperationContext, &fieldFrame{fc: …}, obj.F, nonNull, ec.marshal…) }
//
// and, in each object's method, its field set is written by fieldsJSON, or, when the
// method schedules nothing on it, is a fastObject:
//
//	return out                      → return fieldsJSON{fields, out.Values}
//	graphql.NewFieldSet(fields)     → newFastObject(fields) (objects scheduling nothing)
//
// and the query's response is written by marshalData (a pooled buffer):
//
//	var buf bytes.Buffer; data.MarshalGQL(&buf); response.Data = buf.Bytes() → response.Data = marshalData(data)
//
// and times and integer IDs are written by marshalTime and marshalIntID (the same bytes,
// formatted into the response's buffer):
//
//	graphql.MarshalTime(   → marshalTime(
//	graphql.MarshalIntID(  → marshalIntID(
//
// and, for every field that never waits (the resolvers listed in graph/syncfields.go, and
// the edges whose resolver is an entgql edge method of ent/gql_edge.go, which reads the
// eager-loaded edge or queries it directly, never through a loader that batches across
// goroutines),
//
//	out.ResolveConcurrently(ec.OperationContext, &deferred, … → ec.resolveNow(ctx, out, &deferred, field, …
//
// (ec.resolveNowFast on a fastObject: an object whose only scheduled fields are those is one)
//
// plus a fastState field on executionContext and concurrentFields, the "Type.field" names
// whose generated code runs them concurrently (ResolveConcurrently, Concurrently), less the
// ones resolveNow runs in place.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "execpatch:", err)
		os.Exit(1)
	}
}

const marker = "// Patched by internal/execpatch."

func run(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: execpatch graph/generated.go")
	}
	path := args[0]
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if bytes.Contains(src, []byte(marker)) {
		return nil
	}
	root := filepath.Dir(filepath.Dir(path))
	never, err := neverWaiting(filepath.Join(root, "graph", "syncfields.go"), filepath.Join(root, "ent", "gql_edge.go"))
	if err != nil {
		return err
	}
	out, err := patch(src, never)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

func patch(src []byte, never neverWait) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "generated.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	funcs := map[string]*ast.FuncDecl{}
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
			funcs[fd.Name.Name] = fd
		}
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }

	edits, err := sliceEdits(funcs, off)
	if err != nil {
		return nil, err
	}
	plain := plainEdits(funcs, off)
	if len(plain) < 10 {
		return nil, fmt.Errorf("only %d plain scalar fields found: has gqlgen's output changed?", len(plain))
	}
	edits = append(edits, plain...)
	now, nowNames, err := nowEdits(funcs, src, off, never)
	if err != nil {
		return nil, err
	}
	nowAt := map[int]int{} // a resolveNow edit's index by the offset of its call
	for i, e := range now {
		nowAt[e.start] = i
	}
	objects, fast, onFast := objectEdits(funcs, off, nowAt)
	if len(objects) < 10 || fast < 10 {
		return nil, fmt.Errorf("only %d object field sets found (%d scheduling nothing): has gqlgen's output changed?", len(objects), fast)
	}
	for _, at := range onFast {
		now[nowAt[at]].text = nowFastCall
	}
	edits = append(edits, objects...)
	objectFields := objectFieldEdits(funcs, src, off)
	if len(objectFields) < 10 {
		return nil, fmt.Errorf("only %d plain object fields found: has gqlgen's output changed?", len(objectFields))
	}
	edits = append(edits, objectFields...)
	edits = append(edits, now...)
	text := string(src)
	for _, r := range []struct {
		old, new string
		atLeast  int
	}{
		{"graphql.CollectFields(ec.OperationContext, sel, ", "ec.collectFields(sel, ", 10},
		{"graphql.NewDeferredGroup(ctx)", "ec.deferredGroup(ctx)", 10},
		{"ec.ProcessDeferredGroup(deferred)", "ec.ProcessDeferredGroup(withPath(deferred))", 10},
		{"graphql.MarshalTime(", "marshalTime(", 2},
		{"graphql.MarshalIntID(", "marshalIntID(", 2},
		{"\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n\t\t\tresponse.Data = buf.Bytes()\n",
			"\t\t\tresponse.Data = marshalData(data)\n", 1},
		{"\t*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]\n}",
			"\t*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]\n\tfast fastState // graph/fastexec.go\n}", 1},
	} {
		n := 0
		for j := 0; j+len(r.old) <= len(text); {
			k := strings.Index(text[j:], r.old)
			if k < 0 {
				break
			}
			edits = append(edits, edit{j + k, j + k + len(r.old), r.new})
			j += k + len(r.old)
			n++
		}
		if n < r.atLeast {
			return nil, fmt.Errorf("%d of %q, expected at least %d: has gqlgen's output changed?", n, r.old, r.atLeast)
		}
	}
	out, err := apply(text, edits)
	if err != nil {
		return nil, err
	}
	out += "\n" + marker + "\n\n" + glue + "\n" + concurrentTable(funcs, nowNames)
	formatted, err := format.Source([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	return formatted, nil
}

// apply makes the edits, which must not overlap.
func apply(text string, edits []edit) (string, error) {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		if e.start < last {
			return "", fmt.Errorf("overlapping edits at offset %d", e.start)
		}
		b.WriteString(text[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// sliceEdits rewrites every graphql.MarshalSliceConcurrently call, naming its elements'
// GraphQL type ("" for scalars and enums).
func sliceEdits(funcs map[string]*ast.FuncDecl, off func(token.Pos) int) ([]edit, error) {
	var edits []edit
	var failed error
	for _, fd := range funcs {
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isSel(call.Fun, "graphql", "MarshalSliceConcurrently") {
				return true
			}
			if len(call.Args) != 5 {
				failed = fmt.Errorf("%s: MarshalSliceConcurrently with %d arguments", fd.Name.Name, len(call.Args))
				return false
			}
			lit, ok := call.Args[4].(*ast.FuncLit)
			if !ok {
				failed = fmt.Errorf("%s: MarshalSliceConcurrently without a function literal", fd.Name.Name)
				return false
			}
			elem := elementType(funcs, calledMarshaler(lit.Body), 0)
			edits = append(edits, edit{
				start: off(call.Fun.Pos()),
				end:   off(call.Args[0].End()),
				text:  "ec.marshalSlice(ctx, sel, " + strconv.Quote(elem),
			})
			return false
		})
	}
	if failed != nil {
		return nil, failed
	}
	if len(edits) == 0 {
		return nil, errors.New("no MarshalSliceConcurrently call found: has gqlgen's output changed?")
	}
	return edits, nil
}

// calledMarshaler is the name of the ec.marshal… method body returns through.
func calledMarshaler(body *ast.BlockStmt) string {
	name := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if s, ok := call.Fun.(*ast.SelectorExpr); ok && isIdent(s.X, "ec") && strings.HasPrefix(s.Sel.Name, "marshal") {
				name = s.Sel.Name
				return false
			}
		}
		return name == ""
	})
	return name
}

// elementType follows ec.marshal… methods to the ec._Type object method they call.
func elementType(funcs map[string]*ast.FuncDecl, name string, depth int) string {
	fd := funcs[name]
	if fd == nil || depth > 4 {
		return ""
	}
	typ, next := "", ""
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		s, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !isIdent(s.X, "ec") {
			return true
		}
		switch {
		case strings.HasPrefix(s.Sel.Name, "_") && typ == "":
			typ = strings.TrimPrefix(s.Sel.Name, "_")
		case strings.HasPrefix(s.Sel.Name, "marshal") && next == "":
			next = s.Sel.Name
		}
		return true
	})
	if typ != "" {
		return typ
	}
	if next != "" {
		return elementType(funcs, next, depth+1)
	}
	return ""
}

// concurrentTable writes concurrentFields: each object method's switch cases whose code
// runs the field concurrently.
func concurrentTable(funcs map[string]*ast.FuncDecl, now map[string]bool) string {
	var names []string
	eachFieldCase(funcs, func(typ string, cc *ast.CaseClause) {
		concurrent := false
		for _, st := range cc.Body {
			ast.Inspect(st, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if s, ok := call.Fun.(*ast.SelectorExpr); ok && strings.Contains(s.Sel.Name, "Concurrently") {
						concurrent = true
					}
				}
				return !concurrent
			})
		}
		if !concurrent {
			return
		}
		for _, e := range cc.List {
			if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				field, _ := strconv.Unquote(lit.Value)
				if !now[typ+"."+field] {
					names = append(names, typ+"."+field)
				}
			}
		}
	})
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("// concurrentFields are the fields gqlgen runs concurrently: resolvers and methods\n")
	b.WriteString("// taking a context (graph/fastexec.go).\n")
	b.WriteString("var concurrentFields = map[string]bool{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q: true,\n", n)
	}
	b.WriteString("}\n")
	return b.String()
}

// glue are the executionContext methods the rewritten calls use (graph/fastexec.go).
const glue = `func (ec *executionContext) collectFields(sel ast.SelectionSet, impls []string) []graphql.CollectedField {
	return ec.fast.collectFields(ec.OperationContext, sel, impls)
}

func (ec *executionContext) deferredGroup(ctx context.Context) graphql.DeferredGroup {
	return ec.fast.deferredGroup(ctx, ec.OperationContext)
}

func (ec *executionContext) resolveNow(ctx context.Context, out *graphql.FieldSet, deferred *graphql.DeferredGroup, field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	ec.fast.resolveNow(ctx, ec.OperationContext, out, deferred, field, i, recoverFromPanic, nonNull, resolve)
}

func (ec *executionContext) resolveNowFast(ctx context.Context, out *fastObject, deferred *graphql.DeferredGroup, field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	ec.fast.resolveNowFast(ctx, ec.OperationContext, out, deferred, field, i, recoverFromPanic, nonNull, resolve)
}

func (ec *executionContext) marshalSlice(ctx context.Context, sel ast.SelectionSet, elemType string, n int, workerLimit int64, omitPanicHandler bool, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	x := execSchema{oc: ec.OperationContext, schema: ec.ParsedSchema, concurrent: concurrentFields}
	return ec.fast.marshalSlice(ctx, x, sel, elemType, n, workerLimit, omitPanicHandler, marshal)
}
`

// eachFieldCase calls f with the type of each object method (_Type) and each case clause of
// its switch over the fields.
func eachFieldCase(funcs map[string]*ast.FuncDecl, f func(typ string, cc *ast.CaseClause)) {
	for name, fd := range funcs {
		if !strings.HasPrefix(name, "_") || strings.Contains(name[1:], "_") || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			cc, ok := n.(*ast.CaseClause)
			if !ok {
				return true
			}
			f(name[1:], cc)
			return false
		})
	}
}

// neverWait names the fields that never wait: "Type.field" resolvers (graph/syncfields.go)
// and, by type, the entgql edge methods (ent/gql_edge.go).
type neverWait struct {
	fields map[string]bool
	edges  map[string]map[string]bool // type → method names
}

// neverWaiting reads the list of never-waiting resolvers from syncPath (the string
// literals of its neverWaitingFields) and the edge methods from edgePath.
func neverWaiting(syncPath, edgePath string) (neverWait, error) {
	nw := neverWait{fields: map[string]bool{}, edges: map[string]map[string]bool{}}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, syncPath, nil, 0)
	if err != nil {
		return nw, fmt.Errorf("never-waiting fields: %w", err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "neverWaitingFields" || len(vs.Values) != 1 {
			return true
		}
		ast.Inspect(vs.Values[0], func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				name, _ := strconv.Unquote(lit.Value)
				nw.fields[name] = true
			}
			return true
		})
		return false
	})
	if len(nw.fields) == 0 {
		return nw, fmt.Errorf("%s: no neverWaitingFields", syncPath)
	}
	e, err := parser.ParseFile(fset, edgePath, nil, 0)
	if err != nil {
		return nw, fmt.Errorf("edge methods: %w", err)
	}
	for _, d := range e.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
			continue
		}
		star, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		typ, ok := star.X.(*ast.Ident)
		if !ok {
			continue
		}
		if nw.edges[typ.Name] == nil {
			nw.edges[typ.Name] = map[string]bool{}
		}
		nw.edges[typ.Name][fd.Name.Name] = true
	}
	return nw, nil
}

// callsEdgeMethod reports whether the field method fd resolves through obj.M(ctx, …), M
// one of edges.
func callsEdgeMethod(fd *ast.FuncDecl, edges map[string]bool) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return !found
		}
		if s, ok := call.Fun.(*ast.SelectorExpr); ok && isIdent(s.X, "obj") && edges[s.Sel.Name] &&
			len(call.Args) > 0 && isIdent(call.Args[0], "ctx") {
			found = true
		}
		return !found
	})
	return found
}

// The calls resolveNow's edits write, on a graphql.FieldSet and on a fastObject.
const (
	nowCall     = "ec.resolveNow(ctx, out, &deferred, field, "
	nowFastCall = "ec.resolveNowFast(ctx, out, &deferred, field, "
)

// nowEdits points every never-waiting field's ResolveConcurrently at resolveNow and
// returns the "Type.field" names so rewritten. Every listed resolver must be found.
func nowEdits(funcs map[string]*ast.FuncDecl, src []byte, off func(token.Pos) int, never neverWait) ([]edit, map[string]bool, error) {
	const old = "out.ResolveConcurrently(ec.OperationContext, &deferred, "
	var edits []edit
	names := map[string]bool{}
	eachFieldCase(funcs, func(typ string, cc *ast.CaseClause) {
		if len(cc.List) != 1 || len(cc.Body) != 1 {
			return
		}
		lit, ok := cc.List[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		field, _ := strconv.Unquote(lit.Value)
		es, ok := cc.Body[0].(*ast.ExprStmt)
		if !ok {
			return
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok || !strings.HasPrefix(string(src[off(call.Pos()):off(call.End())]), old) {
			return
		}
		fieldFn := funcs["_"+typ+"_"+field]
		if !never.fields[typ+"."+field] && (fieldFn == nil || !callsEdgeMethod(fieldFn, never.edges[typ])) {
			return
		}
		names[typ+"."+field] = true
		edits = append(edits, edit{off(call.Pos()), off(call.Pos()) + len(old), nowCall})
	})
	for f := range never.fields {
		if !names[f] {
			return nil, nil, fmt.Errorf("never-waiting field %s: no ResolveConcurrently case found", f)
		}
	}
	if len(names) < len(never.fields)+5 {
		return nil, nil, fmt.Errorf("only %d never-waiting fields found: has gqlgen's output changed?", len(names))
	}
	return edits, names, nil
}

// objectEdits makes each object method (the ones building out := graphql.NewFieldSet(fields))
// return its fields through fieldsJSON, or, when the method schedules nothing on its field
// set (it uses nothing of out but its Values, its Invalids and Dispatch, and the
// ResolveConcurrently calls that resolveNow takes over: nowAt, by offset), build them as a
// fastObject instead, returned as it is. It also returns how many are fastObjects, and the
// offsets of the resolveNow calls on a fastObject (to be resolveNowFast's).
func objectEdits(funcs map[string]*ast.FuncDecl, off func(token.Pos) int, nowAt map[int]int) ([]edit, int, []int) {
	var edits []edit
	var onFast []int
	fast := 0
	for _, fd := range funcs {
		if fd.Body == nil {
			continue
		}
		call := buildsFieldSet(fd.Body)
		if call == nil {
			continue
		}
		if calls, ok := schedulesNothing(fd.Body, off, nowAt); ok {
			edits = append(edits, edit{off(call.Fun.Pos()), off(call.Fun.End()), "newFastObject"})
			onFast = append(onFast, calls...)
			fast++
			continue
		}
		for _, st := range fd.Body.List {
			if ret, ok := st.(*ast.ReturnStmt); ok && len(ret.Results) == 1 && isIdent(ret.Results[0], "out") {
				edits = append(edits, edit{off(ret.Results[0].Pos()), off(ret.Results[0].End()), "fieldsJSON{fields, out.Values}"})
			}
		}
	}
	return edits, fast, onFast
}

// buildsFieldSet is body's out := graphql.NewFieldSet(fields) call, nil for none.
func buildsFieldSet(body *ast.BlockStmt) *ast.CallExpr {
	for _, st := range body.List {
		as, ok := st.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || !isIdent(as.Lhs[0], "out") {
			continue
		}
		if call, ok := as.Rhs[0].(*ast.CallExpr); ok && isSel(call.Fun, "graphql", "NewFieldSet") &&
			len(call.Args) == 1 && isIdent(call.Args[0], "fields") {
			return call
		}
	}
	return nil
}

// schedulesNothing reports whether body uses its field set out only as out := …, out.Values,
// out.Invalids, out.Dispatch(ctx), return out, and out.ResolveConcurrently calls that
// resolveNow takes over (at the offsets of nowAt), which it returns.
func schedulesNothing(body *ast.BlockStmt, off func(token.Pos) int, nowAt map[int]int) ([]int, bool) {
	allowed := map[*ast.Ident]bool{}
	var calls []int
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Name == "out" {
				switch n.Sel.Name {
				case "Values", "Invalids", "Dispatch":
					allowed[id] = true
				case "ResolveConcurrently":
					if _, now := nowAt[off(n.Pos())]; now {
						allowed[id] = true
						calls = append(calls, off(n.Pos()))
					}
				}
			}
		case *ast.ReturnStmt:
			if len(n.Results) == 1 {
				if id, ok := n.Results[0].(*ast.Ident); ok && id.Name == "out" {
					allowed[id] = true
				}
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == 1 && n.Tok == token.DEFINE {
				if id, ok := n.Lhs[0].(*ast.Ident); ok && id.Name == "out" {
					allowed[id] = true
				}
			}
		}
		return true
	})
	ok := true
	ast.Inspect(body, func(n ast.Node) bool {
		if id, isIdent := n.(*ast.Ident); isIdent && id.Name == "out" && !allowed[id] {
			ok = false
		}
		return ok
	})
	return calls, ok
}

// resolveFieldReturn matches a generated field method whose body is one `return
// graphql.ResolveField(…)` of nine arguments, the sixth (the directives) nil: the shape
// both the plain scalar and the plain object fast paths start from.
func resolveFieldReturn(name string, fd *ast.FuncDecl) (*ast.ReturnStmt, *ast.CallExpr, bool) {
	if !strings.HasPrefix(name, "_") || fd.Body == nil || len(fd.Body.List) != 1 {
		return nil, nil, false
	}
	ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil, nil, false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || !isSel(call.Fun, "graphql", "ResolveField") || len(call.Args) != 9 || !isIdent(call.Args[5], "nil") {
		return nil, nil, false
	}
	return ret, call, true
}

// objectFieldEdits inserts objectField before the graphql.ResolveField call of every
// plain object field: its resolver is `return obj.F, nil`, no directive, it recovers from
// panics, and its FieldContext is the literal of an object's field (a Child from
// childFields_…), which objectField's frame is then given.
func objectFieldEdits(funcs map[string]*ast.FuncDecl, src []byte, off func(token.Pos) int) []edit {
	text := func(e ast.Node) string { return string(src[off(e.Pos()):off(e.End())]) }
	var edits []edit
	for name, fd := range funcs {
		ret, call, ok := resolveFieldReturn(name, fd)
		if !ok || !isIdent(call.Args[0], "ctx") || !isIdent(call.Args[2], "field") || !isIdent(call.Args[7], "true") {
			continue
		}
		value := plainValue(call.Args[4])
		if value == "" {
			continue
		}
		fc := objectFieldContext(funcs[calledMethod(funcBody(call.Args[3]), "fieldContext_")], text)
		if fc == "" {
			continue
		}
		lit, ok := call.Args[6].(*ast.FuncLit)
		if !ok || len(lit.Type.Params.List) != 3 || len(lit.Type.Params.List[2].Names) != 1 {
			continue
		}
		marshal := calledMarshaler(lit.Body)
		if marshal == "" || len(lit.Body.List) != 1 {
			continue
		}
		edits = append(edits, edit{
			start: off(ret.Pos()),
			end:   off(ret.Pos()),
			text: fmt.Sprintf("if plainObjectField(field) {\n\t\treturn objectField[%s](ctx, ec.OperationContext, &fieldFrame{fc: %s}, %s, %s, ec.%s)\n\t}\n\t",
				text(lit.Type.Params.List[2].Type), fc, value, text(call.Args[8]), marshal),
		})
	}
	return edits
}

// calledMethod is the name of the ec.prefix… method body returns through.
func calledMethod(body *ast.BlockStmt, prefix string) string {
	if body == nil || len(body.List) != 1 {
		return ""
	}
	ret, ok := body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return ""
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok {
		return ""
	}
	s, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || !isIdent(s.X, "ec") || !strings.HasPrefix(s.Sel.Name, prefix) {
		return ""
	}
	return s.Sel.Name
}

// objectFieldContext is the graphql.FieldContext literal that fieldContext method fd builds,
// `fc = &graphql.FieldContext{Object: …, Field: field, IsMethod: …, IsResolver: …, Child:
// func(ctx, field) { return ec.childFields_T(ctx, field) }}; return fc, nil`, with
// ec.childFields_T as its Child; "" when fd is not of that shape.
func objectFieldContext(fd *ast.FuncDecl, text func(ast.Node) string) string {
	if fd == nil || fd.Body == nil || len(fd.Body.List) != 2 {
		return ""
	}
	as, ok := fd.Body.List[0].(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || !isIdent(as.Lhs[0], "fc") {
		return ""
	}
	if ret, ok := fd.Body.List[1].(*ast.ReturnStmt); !ok || len(ret.Results) != 2 ||
		!isIdent(ret.Results[0], "fc") || !isIdent(ret.Results[1], "nil") {
		return ""
	}
	u, ok := as.Rhs[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return ""
	}
	lit, ok := u.X.(*ast.CompositeLit)
	if !ok || !isSel(lit.Type, "graphql", "FieldContext") {
		return ""
	}
	var parts []string
	seen := map[string]bool{}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return ""
		}
		key, ok := kv.Key.(*ast.Ident)
		if !ok {
			return ""
		}
		seen[key.Name] = true
		switch key.Name {
		case "Object", "IsMethod", "IsResolver":
			if _, ok := kv.Value.(*ast.BasicLit); !ok && !isIdent(kv.Value, "true") && !isIdent(kv.Value, "false") {
				return ""
			}
			parts = append(parts, key.Name+": "+text(kv.Value))
		case "Field":
			if !isIdent(kv.Value, "field") {
				return ""
			}
			parts = append(parts, "Field: field")
		case "Child":
			child := calledMethod(funcBody(kv.Value), "childFields_")
			if child == "" {
				return ""
			}
			parts = append(parts, "Child: ec."+child)
		default:
			return ""
		}
	}
	if !seen["Object"] || !seen["Field"] || !seen["Child"] {
		return ""
	}
	return "graphql.FieldContext{" + strings.Join(parts, ", ") + "}"
}

// neverNull are gqlgen's marshallers that never return graphql.Null.
var neverNull = map[string]bool{
	"MarshalString": true, "MarshalInt": true, "MarshalInt32": true, "MarshalInt64": true,
	"MarshalIntID": true, "MarshalID": true, "MarshalBoolean": true,
}

// plainEdits inserts the fast path into each plain scalar field's method.
func plainEdits(funcs map[string]*ast.FuncDecl, off func(token.Pos) int) []edit {
	var edits []edit
	for name, fd := range funcs {
		ret, call, ok := resolveFieldReturn(name, fd)
		if !ok {
			continue
		}
		value := plainValue(call.Args[4])
		marshal := calledMarshaler(funcBody(call.Args[6]))
		if value == "" || marshal == "" {
			continue
		}
		guard, ok := marshalGuard(funcs[marshal], value)
		if !ok {
			continue
		}
		edits = append(edits, edit{
			start: off(ret.Pos()),
			end:   off(ret.Pos()),
			text: fmt.Sprintf("if plainField(field)%s {\n\t\treturn ec.%s(ctx, field.Selections, %s)\n\t}\n\t",
				guard, marshal, value),
		})
	}
	return edits
}

// plainValue is F's "obj.F" when the resolver e is func(ctx) (any, error) { return obj.F, nil }.
func plainValue(e ast.Expr) string {
	body := funcBody(e)
	if body == nil || len(body.List) != 1 {
		return ""
	}
	ret, ok := body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 2 || !isIdent(ret.Results[1], "nil") {
		return ""
	}
	s, ok := ret.Results[0].(*ast.SelectorExpr)
	if !ok || !isIdent(s.X, "obj") {
		return ""
	}
	return "obj." + s.Sel.Name
}

func funcBody(e ast.Expr) *ast.BlockStmt {
	if lit, ok := e.(*ast.FuncLit); ok {
		return lit.Body
	}
	return nil
}

// marshalGuard says whether marshaller fd can be called without a field context — it
// calls nothing but never-null gqlgen marshallers (or MarshalTime, then guarded by
// !value.IsZero() when the field is non-null) — and the guard the call then needs.
func marshalGuard(fd *ast.FuncDecl, value string) (string, bool) {
	if fd == nil || fd.Body == nil {
		return "", false
	}
	ok, addsNull, timeCall := true, false, false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if !isCall {
			return ok
		}
		s, isSelector := call.Fun.(*ast.SelectorExpr)
		switch {
		case !isSelector || !isIdent(s.X, "graphql"):
			ok = false
		case neverNull[s.Sel.Name]:
		case s.Sel.Name == "MarshalTime":
			timeCall = true
		case s.Sel.Name == "AddInvalidNullFromMarshaler":
			addsNull = true
		default:
			ok = false
		}
		return ok
	})
	switch {
	case !ok:
		return "", false
	case timeCall && addsNull:
		return " && !" + value + ".IsZero()", true
	default:
		return "", true
	}
}

func isSel(e ast.Expr, pkg, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && isIdent(s.X, pkg) && s.Sel.Name == name
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
