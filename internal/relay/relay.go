// Package relay holds the parts of Relay cursor pagination that entgql v0.7.0 gets wrong and
// the generated pagination code (ent/template/pagination.tmpl) calls instead: the keyset
// predicate of `after` and `before` (null-aware, applied before `first`/`last`), the
// validation of client cursors, the NULL ordering rule, and the top-N-per-parent read of a
// nested connection.
//
// The ordering rule of every connection: the order fields in the requested directions, then
// `id` in the direction of the last order field (ascending without orderBy). NULL sorts as
// larger than every value: last ascending, first descending, on PostgreSQL and SQLite alike.
package relay

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"launchgraph/internal/apperr"
)

// Cursor is the cursor of every generated connection (entgql's, with int ids).
type Cursor = entgql.Cursor[int]

// Kind is the kind of value an order field holds, which a cursor's value must match.
type Kind uint8

// The kinds of order field values.
const (
	KindAny Kind = iota
	KindInt
	KindFloat
	KindString
	KindBool
	KindTime
)

// InvalidCursor stands for a client's cursor that did not decode: Predicate reports it as
// an invalid cursor on its argument.
func InvalidCursor() *Cursor { return &Cursor{Value: invalid{}} }

type invalid struct{}

// Key is one term of a connection's order: a column, its requested direction, whether it
// holds NULLs, and the kind of its values.
type Key struct {
	Column   string
	Desc     bool
	Nullable bool
	Kind     Kind
}

// NullsOption returns the ORDER BY option placing NULLs of a nullable column by the rule
// (NULL is the largest value) for the direction the SQL sorts in, or nil.
func NullsOption(desc, nullable bool) sql.OrderTermOption {
	switch {
	case !nullable:
		return func(*sql.OrderTermOptions) {}
	case desc:
		return sql.OrderNullsFirst()
	default:
		return sql.OrderNullsLast()
	}
}

// WriteOrder writes one ORDER BY term (for window and LATERAL orders built by hand).
func WriteOrder(b *sql.Builder, column string, desc, nullable bool) {
	b.Ident(column)
	if desc {
		b.WriteString(" DESC")
		if nullable {
			b.WriteString(" NULLS FIRST")
		}
		return
	}
	b.WriteString(" ASC")
	if nullable {
		b.WriteString(" NULLS LAST")
	}
}

// IDDesc reports whether the id tiebreak of an order descends: it follows the last order field.
func IDDesc(keys []Key) bool {
	return len(keys) > 0 && keys[len(keys)-1].Desc
}

// Predicate returns the WHERE condition keeping the rows strictly after `after` and strictly
// before `before` in the connection's natural order (keys, then idColumn) — whatever `first`
// or `last` then takes from that window. It returns nil without cursors, and a BAD_USER_INPUT
// error naming the argument when a cursor does not fit the order (wrong number or kind of
// values).
func Predicate(after, before *Cursor, keys []Key, idColumn string) (func(*sql.Selector), error) {
	var preds []func(*sql.Selector) *sql.Predicate
	for _, c := range []struct {
		arg    string
		cursor *Cursor
		after  bool
	}{{"after", after, true}, {"before", before, false}} {
		if c.cursor == nil {
			continue
		}
		full, values, ok := cursorValues(c.cursor, keys, idColumn)
		if !ok {
			return nil, apperr.Invalid(c.arg, "invalid cursor")
		}
		preds = append(preds, keyset(full, values, c.after))
	}
	if len(preds) == 0 {
		return nil, nil
	}
	return func(s *sql.Selector) {
		for _, p := range preds {
			s.Where(p(s))
		}
	}, nil
}

// LazyValue is a cursor's Value that is computed when it is needed: the pages ent builds
// compute their cursors' values only for the cursors written or given back.
type LazyValue interface {
	// CursorValue returns the value the cursor holds.
	CursorValue() any
}

// cursorValues checks the cursor against the order (one value of the right kind per order
// field) and returns the full key — the order fields up to id, id last — with its values.
func cursorValues(c *Cursor, keys []Key, idColumn string) ([]Key, []any, bool) {
	var raw []any
	value := c.Value
	if lazy, ok := value.(LazyValue); ok {
		value = lazy.CursorValue()
	}
	switch v := value.(type) {
	case nil:
	case []any:
		raw = v
	default:
		return nil, nil, false
	}
	if len(raw) != len(keys) {
		return nil, nil, false
	}
	full := make([]Key, 0, len(keys)+1)
	values := make([]any, 0, len(keys)+1)
	for i, k := range keys {
		v, ok := convert(k, raw[i])
		if !ok {
			return nil, nil, false
		}
		if k.Column == idColumn {
			// id is unique: the terms after it cannot matter, and its value is the cursor's id.
			if v != int64(c.ID) {
				return nil, nil, false
			}
			return append(full, k), append(values, v), true
		}
		full, values = append(full, k), append(values, v)
	}
	return append(full, Key{Column: idColumn, Desc: IDDesc(keys), Kind: KindInt}), append(values, int64(c.ID)), true
}

// convert checks that v (as msgpack decoded it) fits the key, and normalises it.
func convert(k Key, v any) (any, bool) {
	if v == nil {
		return nil, k.Nullable
	}
	switch k.Kind {
	case KindInt:
		n, ok := asInt(v)
		return n, ok
	case KindFloat:
		switch f := v.(type) {
		case float64:
			return f, true
		case float32:
			return float64(f), true
		}
		n, ok := asInt(v)
		return float64(n), ok
	case KindString:
		s, ok := v.(string)
		return s, ok
	case KindBool:
		b, ok := v.(bool)
		return b, ok
	case KindTime:
		t, ok := v.(time.Time)
		return t, ok // as the store wrote it: SQLite compares the text, in the writer's offset
	}
	switch v.(type) {
	case []any, map[string]any, map[any]any:
		return nil, false
	}
	return v, true
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n > 1<<63-1 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// keyset builds "comes after (or before) values in the order of keys":
// OR over i of (k1 = v1 AND … AND k(i-1) = v(i-1) AND ki beyond vi). A uniform order over
// non-null columns becomes a row comparison, which an index serves as one range.
func keyset(keys []Key, values []any, after bool) func(*sql.Selector) *sql.Predicate {
	return func(s *sql.Selector) *sql.Predicate {
		if uniform(keys) {
			cols := make([]string, len(keys))
			for i, k := range keys {
				cols[i] = s.C(k.Column)
			}
			if after != keys[0].Desc {
				return sql.CompositeGT(cols, values...)
			}
			return sql.CompositeLT(cols, values...)
		}
		var ors []*sql.Predicate
		for i, k := range keys {
			beyond := beyondP(s.C(k.Column), k, values[i], after)
			if beyond == nil {
				continue
			}
			ands := make([]*sql.Predicate, 0, i+1)
			for j := range i {
				ands = append(ands, equalP(s.C(keys[j].Column), values[j]))
			}
			ors = append(ors, sql.And(append(ands, beyond)...))
		}
		if len(ors) == 0 {
			return sql.False()
		}
		return sql.Or(ors...)
	}
}

func uniform(keys []Key) bool {
	for _, k := range keys {
		if k.Nullable || k.Desc != keys[0].Desc {
			return false
		}
	}
	return len(keys) > 1
}

func equalP(col string, v any) *sql.Predicate {
	if v == nil {
		return sql.IsNull(col)
	}
	return sql.EQ(col, v)
}

// beyondP is "col comes after (after) or before (!after) v", with NULL the largest value;
// nil when nothing can.
func beyondP(col string, k Key, v any, after bool) *sql.Predicate {
	larger := after != k.Desc // the rows sought hold larger values
	switch {
	case v == nil && larger:
		return nil
	case v == nil:
		return sql.NotNull(col)
	case larger && k.Nullable:
		return sql.Or(sql.GT(col, v), sql.IsNull(col))
	case larger:
		return sql.GT(col, v)
	default:
		return sql.LT(col, v)
	}
}

// Parents collects the ids of the parent rows of a nested connection, once they are read,
// for LimitPerParent.
type Parents struct{ IDs []any }

// Set records the parent ids (the generated query calls it before loading its edges).
func (p *Parents) Set(ids []any) { p.IDs = ids }

// LimitPerParent returns the query modifier of a nested one-to-many connection reading at
// most limit rows per parent (the page and one more). On PostgreSQL it reads, for each parent
// id, `LATERAL (SELECT … WHERE fk = parent.id AND … ORDER BY … LIMIT n)`, which an index on
// (fk, order columns, id) serves by reading only the rows returned; elsewhere (SQLite) it
// keeps entgql's window function over the edge's rows.
func LimitPerParent(parentTable, parentID, fk string, parents *Parents, limit int, orderBy sql.Querier) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if s.Dialect() != dialect.Postgres || len(parents.IDs) == 0 {
			entgql.LimitPerRow(fk, limit, orderBy)(s)
			return
		}
		const p = "lateral_parent"
		name := s.TableName()
		d := sql.Dialect(s.Dialect())
		inner := s.Clone()
		inner.SetDistinct(false)
		parent := d.Table(parentTable).As(p)
		inner.Where(sql.ColumnsEQ(inner.C(fk), parent.C(parentID)))
		inner.OrderExpr(orderBy).Limit(limit)
		// SELECT cols FROM (SELECT name.* FROM parent AS p CROSS JOIN LATERAL (inner) AS name
		// WHERE p.id IN (…)) AS name: the FROM stays a named view, as ent expects.
		limited := d.Select(d.Table(name).C("*")).
			FromExpr(sql.ExprFunc(func(b *sql.Builder) {
				b.Ident(parentTable).WriteString(" AS ").Ident(p).
					WriteString(" CROSS JOIN LATERAL (").Join(inner).WriteString(") AS ").Ident(name)
			})).
			Where(sql.In(parent.C(parentID), parents.IDs...)).
			As(name)
		t := d.Table(name)
		columns := s.UnqualifiedColumns()
		for i, c := range columns {
			columns[i] = t.C(c)
		}
		*s = *d.Select(columns...).From(limited)
	}
}
