package graph

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The executor's fast paths. gqlgen's generated code (graph/generated.go) pays, for every
// object it writes, a path computed for @defer, a hashed key into its collected-fields
// cache, and, for every element of every list, a goroutine whose stack then grows several
// times. On a page of 600 registrants those are two thirds of the server's CPU.
// internal/execpatch rewrites the generated calls to the functions below (through small
// executionContext methods it adds to the generated file, so that this file compiles
// against gqlgen's output before and after the patch), which do the same work more
// cheaply and fall back to gqlgen's where they cannot prove it is the same:
//
//   - deferredGroup: no path and no maps when the operation has no @defer (its text does
//     not contain "@defer"); otherwise the path is computed only for an object that does
//     defer fields (processDeferred).
//   - collectFields: a per-operation cache keyed by the selection set's address and
//     length and the implementors list's address (both fixed for the operation).
//   - fieldsJSON: an object is written without gqlgen's per-object map of the keys
//     written and its copy of every field; CollectFields has already merged the fields
//     of one alias, and aliases are GraphQL names, which need no escaping.
//   - marshalSlice: a list is written element after element, in this goroutine, when
//     nothing under its elements' selection can wait: no field that gqlgen would run
//     concurrently (a resolver or a method taking a context — the ones that may load,
//     and batch their loads across elements) appears at any depth
//     (concurrentFields, written by internal/execpatch). Otherwise gqlgen's concurrent
//     marshalling, unchanged. Each element's FieldContext and context are one fieldFrame,
//     all of a list's in one allocation.
//   - objectField: an object field read from a struct field, given no argument and no
//     directive, is resolved without gqlgen's closures, its FieldContext and context one
//     fieldFrame (TestObjectFieldAsResolveField).
//   - newFastObject: an object whose method schedules nothing concurrently keeps its values
//     inline in one allocation instead of a graphql.FieldSet, its Values and fieldsJSON;
//     one whose only scheduled fields are resolveNow's too (resolveNowFast), with a
//     graphql.FieldSet over the same values made only when the operation may defer.
//   - marshalData: the response is written in a pooled buffer, then copied once.
//   - marshalTime, marshalIntID: a time or an integer ID is formatted straight into that
//     buffer, not into a string (then a quoted copy of it).
//   - resolveNow: a resolver field that never waits (graph/syncfields.go, and entgql's
//     edge methods) is resolved in its object's goroutine, as a struct field is, instead
//     of being scheduled on the object's field set; such fields are not in
//     concurrentFields, so a list of objects whose selection has only those is serial
//     too. On regions → launches → registrants that is no goroutine instead of ~130.

// execSchema is what marshalSlice needs to know of the operation and the schema:
// concurrent holds the "Type.field" names gqlgen runs concurrently (written by
// internal/execpatch).
type execSchema struct {
	oc         *graphql.OperationContext
	schema     *ast.Schema
	concurrent map[string]bool
}

// fastState is an operation's state for the fast paths; the zero value is ready.
type fastState struct {
	deferOnce sync.Once
	mayDefer  bool

	mu      sync.RWMutex
	fields  map[collectKey][]graphql.CollectedField
	serial  map[collectKey]bool
	implsOf map[string][]string
}

// collectKey names a selection set of the operation as seen by one type.
type collectKey struct {
	sel   *ast.Selection
	n     int
	impls *string
	typ   string
}

func keyOf(sel ast.SelectionSet, impls []string, typ string) collectKey {
	k := collectKey{n: len(sel), typ: typ}
	if len(sel) > 0 {
		k.sel = &sel[0]
	}
	if len(impls) > 0 {
		k.impls = &impls[0]
	}
	return k
}

// collectFields is graphql.CollectFields, cached for the operation.
func (st *fastState) collectFields(oc *graphql.OperationContext, sel ast.SelectionSet, impls []string) []graphql.CollectedField {
	k := keyOf(sel, impls, "")
	st.mu.RLock()
	fields, ok := st.fields[k]
	st.mu.RUnlock()
	if ok {
		return fields
	}
	fields = graphql.CollectFields(oc, sel, impls)
	st.mu.Lock()
	if st.fields == nil {
		st.fields = make(map[collectKey][]graphql.CollectedField)
	}
	st.fields[k] = fields
	st.mu.Unlock()
	return fields
}

// deferredGroup is graphql.NewDeferredGroup without the path, which processDeferred
// computes for the few objects that defer fields; without @defer in the operation, an
// empty group that nothing will add to.
func (st *fastState) deferredGroup(ctx context.Context, oc *graphql.OperationContext) graphql.DeferredGroup {
	st.deferOnce.Do(func() {
		q := oc.RawQuery
		st.mayDefer = q == "" || strings.Contains(q, "@defer")
	})
	if !st.mayDefer {
		return graphql.DeferredGroup{Context: ctx}
	}
	return graphql.DeferredGroup{
		FieldSet: graphql.NewFieldSet(nil),
		Defers:   make(map[string]*graphql.FieldSetView),
		Context:  ctx,
	}
}

// resolveNow resolves field i of out in place: what FieldSet.ResolveConcurrently and
// FieldSet.Dispatch do for it (the panic guard, the value, the invalid count) without
// scheduling it. An operation that may defer keeps gqlgen's scheduling.
func (st *fastState) resolveNow(
	ctx context.Context, oc *graphql.OperationContext, out *graphql.FieldSet, deferred *graphql.DeferredGroup,
	field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(context.Context) graphql.Marshaler,
) {
	if st.mayDefer || field.IsDeferred() {
		out.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	resolveInPlace(ctx, oc, out.Values, &out.Invalids, i, recoverFromPanic, nonNull, resolve)
}

// resolveNowFast is resolveNow on a fastObject: an operation that may defer schedules the
// field on the object's graphql.FieldSet (fastObject.scheduled), as gqlgen would have.
func (st *fastState) resolveNowFast(
	ctx context.Context, oc *graphql.OperationContext, out *fastObject, deferred *graphql.DeferredGroup,
	field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(context.Context) graphql.Marshaler,
) {
	if st.mayDefer || field.IsDeferred() {
		out.scheduled().ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	resolveInPlace(ctx, oc, out.Values, &out.Invalids, i, recoverFromPanic, nonNull, resolve)
}

// resolveInPlace sets values[i] to the field's value and counts it in invalids when it is
// the null that makes its object invalid, as FieldSet.Dispatch would.
func resolveInPlace(
	ctx context.Context, oc *graphql.OperationContext, values []graphql.Marshaler, invalids *uint32,
	i int, recoverFromPanic, nonNull bool, resolve func(context.Context) graphql.Marshaler,
) {
	v := resolveGuarded(ctx, oc, recoverFromPanic, resolve)
	values[i] = v
	invalid := graphql.RequiredNull
	if nonNull {
		invalid = graphql.Null
	}
	if v == invalid {
		atomic.AddUint32(invalids, 1)
	}
}

// resolveGuarded runs resolve; with recoverFromPanic a panic is reported on oc and the
// field is null, as gqlgen's recoverToNull does.
func resolveGuarded(ctx context.Context, oc *graphql.OperationContext, recoverFromPanic bool, resolve func(context.Context) graphql.Marshaler) (res graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				res = graphql.Null
			}
		}()
	}
	return resolve(ctx)
}

// withPath gives a group from deferredGroup its path, before gqlgen processes it.
func withPath(dg graphql.DeferredGroup) graphql.DeferredGroup {
	dg.Path = graphql.GetPath(dg.Context)
	return dg
}

// marshalSlice is graphql.MarshalSliceConcurrently, serial when elemType's selection sel
// cannot wait on anything (see the package comment above).
func (st *fastState) marshalSlice(
	ctx context.Context, x execSchema, sel ast.SelectionSet, elemType string, n int, workerLimit int64, omitPanicHandler bool,
	marshal func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	if n <= 1 || !st.serialSafe(x, elemType, sel) {
		return graphql.MarshalSliceConcurrently(ctx, n, workerLimit, omitPanicHandler, marshal)
	}
	ret := make(graphql.Array, n)
	frames := make([]fieldFrame, n) // the elements' FieldContexts and contexts
	idx := make([]int, n)
	for i := range n {
		idx[i] = i
		frames[i].fc.Index = &idx[i]
		ret[i] = marshalElement(frames[i].derive(ctx), i, omitPanicHandler, marshal)
	}
	return ret
}

// marshalElement writes element i, turning a panic into a located error and null as
// gqlgen's own marshalling does.
func marshalElement(ctx context.Context, i int, omitPanicHandler bool, marshal func(context.Context, int) graphql.Marshaler) (ret graphql.Marshaler) {
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				ret = graphql.Null
			}
		}()
	}
	return marshal(ctx, i)
}

// serialSafe reports whether typ's selection sel, at any depth, has no field gqlgen runs
// concurrently; remembered for the operation.
func (st *fastState) serialSafe(x execSchema, typ string, sel ast.SelectionSet) bool {
	if typ == "" || len(sel) == 0 {
		return true // a scalar or an enum
	}
	k := keyOf(sel, nil, typ)
	st.mu.RLock()
	safe, ok := st.serial[k]
	st.mu.RUnlock()
	if ok {
		return safe
	}
	safe = st.computeSerialSafe(x, typ, sel, 0)
	st.mu.Lock()
	if st.serial == nil {
		st.serial = make(map[collectKey]bool)
	}
	st.serial[k] = safe
	st.mu.Unlock()
	return safe
}

// maxSerialDepth bounds the walk; deeper selections are taken as unsafe.
const maxSerialDepth = 16

func (st *fastState) computeSerialSafe(x execSchema, typ string, sel ast.SelectionSet, depth int) bool {
	def := x.schema.Types[typ]
	if def == nil || depth > maxSerialDepth {
		return false
	}
	switch def.Kind {
	case ast.Scalar, ast.Enum:
		return true
	case ast.Object:
	default:
		return false // an interface or a union: any of its types could wait
	}
	for _, f := range graphql.CollectFields(x.oc, sel, st.implementors(x.schema, def)) {
		if f.Name == "__typename" {
			continue
		}
		if x.concurrent[typ+"."+f.Name] {
			return false
		}
		if len(f.Selections) > 0 && f.Definition != nil {
			if !st.computeSerialSafe(x, f.Definition.Type.Name(), f.Selections, depth+1) {
				return false
			}
		}
	}
	return true
}

// implementors lists the names a fragment on def's objects may be typed with: its own,
// its interfaces' and its unions'.
func (st *fastState) implementors(schema *ast.Schema, def *ast.Definition) []string {
	st.mu.RLock()
	impls, ok := st.implsOf[def.Name]
	st.mu.RUnlock()
	if ok {
		return impls
	}
	impls = append([]string{def.Name}, def.Interfaces...)
	for _, u := range schema.Types {
		if u.Kind == ast.Union && u.Types != nil {
			for _, t := range u.Types {
				if t == def.Name {
					impls = append(impls, u.Name)
				}
			}
		}
	}
	st.mu.Lock()
	if st.implsOf == nil {
		st.implsOf = make(map[string][]string)
	}
	st.implsOf[def.Name] = impls
	st.mu.Unlock()
	return impls
}

// plainField reports whether a plain scalar field (a struct field of the object, no
// directive, a marshaller that cannot fail) may be written directly, without the
// FieldContext and the field middleware graphql.ResolveField runs it through: when the
// query gives it no argument, which is also when fieldHooks gives it no hook (the only
// field middleware this server has: a Time field's hook needs a `tz` argument; connections
// are not scalars). A FieldInterceptor added to the server would not see such fields.
func plainField(field graphql.CollectedField) bool {
	return len(field.Arguments) == 0 && len(field.Directives) == 0
}

// fieldsJSON writes an object's collected fields and their values, as graphql.FieldSet
// does (graph/fastexec.go's package comment).
type fieldsJSON struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

// MarshalGQL writes the object.
func (o fieldsJSON) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "{")
	for i := range o.fields {
		if i > 0 {
			_, _ = io.WriteString(w, `,"`)
		} else {
			_, _ = io.WriteString(w, `"`)
		}
		_, _ = io.WriteString(w, o.fields[i].Alias)
		_, _ = io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	_, _ = io.WriteString(w, "}")
}

// fastObject is the field values of an object whose generated method resolves every field
// in its own goroutine (it schedules nothing: no Concurrently, no @defer view, or only
// fields resolveNowFast resolves in place when the operation cannot defer), in place of
// graphql.FieldSet: the same Values and Invalids, in one allocation with the values inline
// for objects of up to 8 fields, written as fieldsJSON writes.
type fastObject struct {
	fields []graphql.CollectedField
	// Values are the fields' values, as graphql.FieldSet's.
	Values []graphql.Marshaler
	// Invalids counts the non-null fields resolved to null, as graphql.FieldSet's.
	Invalids uint32
	// sched, once resolveNowFast schedules a field, is the graphql.FieldSet it is on.
	sched *graphql.FieldSet
}

// scheduled is the graphql.FieldSet over the object's fields and values that
// resolveNowFast schedules fields on, made on first use.
func (o *fastObject) scheduled() *graphql.FieldSet {
	if o.sched == nil {
		o.sched = graphql.NewFieldSet(o.fields)
		o.sched.Values = o.Values
	}
	return o.sched
}

type (
	fastObject2 struct {
		fastObject
		buf [2]graphql.Marshaler
	}
	fastObject4 struct {
		fastObject
		buf [4]graphql.Marshaler
	}
	fastObject8 struct {
		fastObject
		buf [8]graphql.Marshaler
	}
)

// newFastObject is graphql.NewFieldSet for an object that schedules nothing.
func newFastObject(fields []graphql.CollectedField) *fastObject {
	var o *fastObject
	switch n := len(fields); {
	case n <= 2:
		b := &fastObject2{}
		b.Values = b.buf[:n:n]
		o = &b.fastObject
	case n <= 4:
		b := &fastObject4{}
		b.Values = b.buf[:n:n]
		o = &b.fastObject
	case n <= 8:
		b := &fastObject8{}
		b.Values = b.buf[:n:n]
		o = &b.fastObject
	default:
		o = &fastObject{Values: make([]graphql.Marshaler, n)}
	}
	o.fields = fields
	return o
}

// Dispatch runs the fields resolveNowFast scheduled, if any (graphql.FieldSet's Dispatch),
// and counts their invalid values.
func (o *fastObject) Dispatch(ctx context.Context) {
	if o.sched != nil {
		o.sched.Dispatch(ctx)
		o.Invalids += atomic.LoadUint32(&o.sched.Invalids)
	}
}

// MarshalGQL writes the object.
func (o *fastObject) MarshalGQL(w io.Writer) { fieldsJSON{o.fields, o.Values}.MarshalGQL(w) }

// dataBuffers hold the buffers marshalData writes responses in.
var dataBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledData is the largest buffer marshalData keeps for the next response.
const maxPooledData = 4 << 20

// marshalData writes a response's data as gqlgen's executor does (into a bytes.Buffer, of
// which it keeps the bytes), but in a pooled buffer then copied once at its final size,
// instead of a buffer grown by doubling for every response.
func marshalData(data graphql.Marshaler) []byte {
	buf := dataBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	data.MarshalGQL(buf)
	var out []byte // nil when nothing is written, as a bytes.Buffer's that nothing grew
	if buf.Len() > 0 {
		out = bytes.Clone(buf.Bytes())
	}
	if buf.Cap() <= maxPooledData {
		dataBuffers.Put(buf)
	}
	return out
}

// marshalTime is graphql.MarshalTime: null for the zero time, otherwise the time in RFC 3339
// with nanoseconds, quoted (its characters need no escaping, so strconv.Quote only adds the
// quotes). Into a bytes.Buffer (marshalData's) it is formatted in the buffer's free space.
func marshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return timeJSON(t)
}

// timeJSON writes a time as marshalTime says.
type timeJSON time.Time

// MarshalGQL writes the time.
func (t timeJSON) MarshalGQL(w io.Writer) {
	if b, ok := w.(*bytes.Buffer); ok {
		out := append(b.AvailableBuffer(), '"')
		out = time.Time(t).AppendFormat(out, time.RFC3339Nano)
		_, _ = b.Write(append(out, '"'))
		return
	}
	graphql.MarshalTime(time.Time(t)).MarshalGQL(w)
}

// marshalIntID is graphql.MarshalIntID: the integer's decimal digits, quoted. Into a
// bytes.Buffer (marshalData's) they are formatted in the buffer's free space.
func marshalIntID(i int) graphql.Marshaler { return intIDJSON(i) }

// intIDJSON writes an integer ID as marshalIntID says.
type intIDJSON int

// MarshalGQL writes the ID.
func (i intIDJSON) MarshalGQL(w io.Writer) {
	if b, ok := w.(*bytes.Buffer); ok {
		out := strconv.AppendInt(append(b.AvailableBuffer(), '"'), int64(i), 10)
		_, _ = b.Write(append(out, '"'))
		return
	}
	graphql.MarshalIntID(int(i)).MarshalGQL(w)
}

// fieldFrame is a field's graphql.FieldContext and the context.Context holding it, in one
// allocation where graphql.WithFieldContext allocates the context after the FieldContext.
// Its Value answers gqlgen's key with its FieldContext, any other key from the context it
// derives from, as context.WithValue's does.
type fieldFrame struct {
	context.Context
	fc graphql.FieldContext
}

// Value is the frame's FieldContext for gqlgen's key, the parent context's value otherwise.
func (f *fieldFrame) Value(key any) any {
	if key == fieldContextKey {
		return &f.fc
	}
	return f.Context.Value(key)
}

// derive makes f the context under ctx holding f.fc, as graphql.WithFieldContext does.
func (f *fieldFrame) derive(ctx context.Context) context.Context {
	f.fc.Parent = graphql.GetFieldContext(ctx)
	f.Context = ctx
	return f
}

// fieldContextKey is the key gqlgen keeps a FieldContext under in a context, found by
// asking graphql.GetFieldContext to look one up.
var fieldContextKey = func() any {
	p := &keyProbe{Context: context.Background()}
	graphql.GetFieldContext(p)
	if p.key == nil {
		panic("graph: graphql.GetFieldContext asked its context for no key")
	}
	return p.key
}()

// keyProbe notes the first key it is asked for.
type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

// plainObjectField reports whether an object field whose value is a field of its parent
// (a struct field, no directive) may be resolved by objectField: when, as for plainField,
// the query gives it no argument, and fieldHooks gives it no hook (a connection field
// asked without first or last gets the default page's).
func plainObjectField(field graphql.CollectedField) bool {
	return plainField(field) && (field.Field == nil || hookOf(field.Field) == nil)
}

// objectField is graphql.ResolveField for an object field whose resolver is `return obj.F,
// nil`, given no directive, no argument and no field middleware (plainObjectField), and
// recovering from panics: the frame fr, holding the FieldContext gqlgen's fieldContext
// method would have built, is the context its value is marshalled under, and there is no
// closure for the resolver, the middleware and the marshaller. The rest is resolveField's:
// a nil value (of an interface type) is null, an error when the field is non-null; a
// panic is an error at the field's path and null.
func objectField[T any](
	ctx context.Context, oc *graphql.OperationContext, fr *fieldFrame, v T, nonNull bool,
	marshal func(context.Context, ast.SelectionSet, T) graphql.Marshaler,
) (ret graphql.Marshaler) {
	ctx = fr.derive(ctx)
	defer func() {
		if r := recover(); r != nil {
			oc.Error(ctx, oc.Recover(ctx, r))
			ret = graphql.Null
		}
	}()
	res := any(v)
	if res == nil {
		if nonNull || fr.fc.NonNull {
			graphql.AddInvalidNullError(ctx, "")
		}
		if fr.fc.NonNull && !nonNull {
			return graphql.RequiredNull
		}
		return graphql.Null
	}
	fr.fc.Result = res
	return marshal(ctx, fr.fc.Field.Selections, v)
}
