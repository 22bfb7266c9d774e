package store

import (
	"database/sql/driver"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/schema/field"
	"github.com/lib/pq"

	"launchgraph/ent/migrate"
)

// Bulk inserts as arrays. ent writes a bulk insert as one VALUES row per record,
//
//	INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4), … RETURNING "id"
//
// a text and an argument count that change with the number of records: past 64 arguments
// it is not cached (maxCachedArgs), and below that each size is a statement of its own.
// On PostgreSQL stmtConn runs such an insert of two records or more as one array per
// column instead,
//
//	INSERT INTO "t" ("a", "b") SELECT "a", "b" FROM unnest($1::bigint[], $2::text[])
//	  WITH ORDINALITY AS "lg_rows"("a", "b", "lg_ord") ORDER BY "lg_ord" RETURNING "id"
//
// one text and one argument per column whatever the number of records, parsed and planned
// once per connection. The rows are inserted, and their ids returned, in the records'
// order, as with VALUES. Each array has the element type of its column's category (ent's
// schema, migrate.Tables: text for strings and enums, bigint, boolean, timestamptz, jsonb,
// bytea), each value is written as lib/pq would send it alone (times in its text format,
// NULL for nil), so the stored values are the same; the column's own type still applies
// on assignment (a string too long for a varchar fails as before). Anything else — a
// table or column ent's schema does not know, a value of an unexpected type, another
// shape of statement — runs as it is.

// arrayTypes gives, per table and column of ent's schema, the element type of the array
// that carries the column's values.
var arrayTypes = func() map[string]map[string]string {
	out := make(map[string]map[string]string, len(migrate.Tables))
	for _, t := range migrate.Tables {
		cols := make(map[string]string, len(t.Columns))
		for _, c := range t.Columns {
			if len(c.SchemaType) > 0 {
				continue // a type of its own: not carried as an array
			}
			if typ, ok := arrayElement[c.Type]; ok {
				cols[c.Name] = typ
			}
		}
		out[t.Name] = cols
	}
	return out
}()

// arrayElement is the array element type of each ent field type handled.
var arrayElement = map[field.Type]string{
	field.TypeString: "text",
	field.TypeEnum:   "text",
	field.TypeInt:    "bigint",
	field.TypeInt64:  "bigint",
	field.TypeBool:   "boolean",
	field.TypeTime:   "timestamptz",
	field.TypeJSON:   "jsonb",
	field.TypeBytes:  "bytea",
}

// ordColumn names the records' position in the rewritten statement.
const ordColumn = "lg_ord"

// bulkInsert is a parsed ent bulk insert.
type bulkInsert struct {
	table string
	cols  []string
	// cells holds each row's argument index per column, -1 for NULL (ent writes a value
	// a record does not set as NULL).
	cells  [][]int
	suffix string // " RETURNING …" or " ON CONFLICT …", or ""
}

// unnestInsert returns query and args rewritten as arrays when query is an ent bulk
// insert of two records or more whose columns and values it can carry so; ok is false
// otherwise (run query as it is).
func unnestInsert(query string, args []driver.NamedValue) (string, []driver.NamedValue, bool) {
	b, ok := parseBulkInsert(query, len(args))
	if !ok {
		return "", nil, false
	}
	types := arrayTypes[b.table]
	if types == nil {
		return "", nil, false
	}
	out := make([]driver.NamedValue, len(b.cols))
	var q strings.Builder
	q.WriteString(`INSERT INTO "` + b.table + `" (` + quotedList(b.cols) + `) SELECT ` + quotedList(b.cols) + ` FROM unnest(`)
	for j, col := range b.cols {
		typ, ok := types[col]
		if !ok || col == ordColumn {
			return "", nil, false
		}
		lit, ok := arrayLiteral(typ, args, b.cells, j)
		if !ok {
			return "", nil, false
		}
		out[j] = driver.NamedValue{Ordinal: j + 1, Value: lit}
		if j > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(j+1) + "::" + typ + "[]")
	}
	q.WriteString(`) WITH ORDINALITY AS "lg_rows"(` + quotedList(b.cols) + `, "` + ordColumn + `") ORDER BY "` + ordColumn + `"`)
	q.WriteString(b.suffix)
	return q.String(), out, true
}

// parseBulkInsert parses ent's `INSERT INTO "t" ("c", …) VALUES ($1, NULL, …), ($k, …)…`:
// two rows or more of placeholders numbered in order (nargs in all) or NULLs, and a
// suffix without arguments.
func parseBulkInsert(query string, nargs int) (bulkInsert, bool) {
	var b bulkInsert
	rest, ok := strings.CutPrefix(query, "INSERT INTO ")
	if !ok {
		return b, false
	}
	if b.table, rest, ok = cutIdent(rest); !ok {
		return b, false
	}
	if rest, ok = strings.CutPrefix(rest, " ("); !ok {
		return b, false
	}
	for {
		var col string
		if col, rest, ok = cutIdent(rest); !ok {
			return b, false
		}
		b.cols = append(b.cols, col)
		if r, more := strings.CutPrefix(rest, ", "); more {
			rest = r
			continue
		}
		break
	}
	if rest, ok = strings.CutPrefix(rest, ") VALUES "); !ok {
		return b, false
	}
	if b.cells, rest, ok = cutRows(rest, len(b.cols), nargs); !ok || len(b.cells) < 2 {
		return b, false
	}
	if rest != "" && !strings.HasPrefix(rest, " RETURNING ") && !strings.HasPrefix(rest, " ON CONFLICT ") ||
		strings.Contains(rest, "$") {
		return b, false
	}
	b.suffix = rest
	return b, true
}

// cutRows cuts the tuples of n cells each — placeholders numbered 1 on in order, nargs in
// all, or NULL — from the start of s, and returns their argument indexes (-1: NULL).
func cutRows(s string, n, nargs int) ([][]int, string, bool) {
	var rows [][]int
	arg := 0
	for {
		if !strings.HasPrefix(s, "(") {
			return nil, s, false
		}
		s = s[1:]
		row := make([]int, n)
		for j := range n {
			sep := ", "
			if j == n-1 {
				sep = ")"
			}
			if r, ok := strings.CutPrefix(s, "NULL"+sep); ok {
				row[j], s = -1, r
				continue
			}
			p := "$" + strconv.Itoa(arg+1) + sep
			if !strings.HasPrefix(s, p) {
				return nil, s, false
			}
			row[j], s = arg, s[len(p):]
			arg++
		}
		rows = append(rows, row)
		r, more := strings.CutPrefix(s, ", ")
		if !more {
			return rows, s, arg == nargs
		}
		s = r
	}
}

// cutIdent cuts a double-quoted identifier without quotes inside from the start of s.
func cutIdent(s string) (ident, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], '"')
	if end <= 0 {
		return "", s, false
	}
	return s[1 : end+1], s[end+2:], true
}

func quotedList(names []string) string {
	return `"` + strings.Join(names, `", "`) + `"`
}

// arrayLiteral writes column j of cells (argument indexes into args, -1 for NULL) as a
// PostgreSQL array literal of element type typ; ok is false for a value it does not carry.
func arrayLiteral(typ string, args []driver.NamedValue, cells [][]int, j int) (string, bool) {
	var b strings.Builder
	b.WriteByte('{')
	for i, row := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		var v driver.Value
		if row[j] >= 0 {
			v = args[row[j]].Value
		}
		if !appendElement(&b, typ, v) {
			return "", false
		}
	}
	b.WriteByte('}')
	return b.String(), true
}

// appendElement writes v as an element of a typ array: NULL for nil, else v as lib/pq
// would send it as a parameter of its own, quoted.
func appendElement(b *strings.Builder, typ string, v driver.Value) bool {
	if v == nil {
		b.WriteString("NULL")
		return true
	}
	switch typ {
	case "text", "jsonb":
		switch v := v.(type) {
		case string:
			quoteElement(b, v)
		case []byte:
			if v == nil {
				b.WriteString("NULL")
				return true
			}
			quoteElement(b, string(v))
		default:
			return false
		}
	case "bigint":
		i, ok := v.(int64)
		if !ok {
			return false
		}
		b.WriteString(strconv.FormatInt(i, 10))
	case "boolean":
		t, ok := v.(bool)
		if !ok {
			return false
		}
		b.WriteString(strconv.FormatBool(t))
	case "timestamptz":
		t, ok := v.(time.Time)
		if !ok {
			return false
		}
		quoteElement(b, string(pq.FormatTimestamp(t)))
	case "bytea":
		p, ok := v.([]byte)
		if !ok {
			return false
		}
		if p == nil {
			b.WriteString("NULL") // lib/pq sends a nil []byte as NULL
			return true
		}
		quoteElement(b, `\x`+hex.EncodeToString(p))
	default:
		return false
	}
	return true
}

// quoteElement writes s as a double-quoted array element (backslash and quote escaped).
func quoteElement(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
