package store

import (
	"database/sql/driver"
	"strconv"
	"strings"
)

// Lists of values as arrays. ent writes a list of values as one placeholder per value,
//
//	WHERE "registrants"."launch_id" IN ($1, $2, …, $60)
//
// (eager loading by parent ids, idIn filters, the LATERAL top N per parent): a text that
// changes with the number of values, and past 64 arguments is neither cached
// (maxCachedArgs) nor planned once — PostgreSQL parses and plans it on every run, the most
// expensive part of loading 60 launches' registrants. On PostgreSQL stmtConn runs such a
// list of integers or of strings as one array,
//
//	WHERE "registrants"."launch_id" = ANY($1::bigint[])
//
// (NOT IN as <> ALL), the same rows with the same NULL semantics, one text whatever the
// number of values. Only statements whose placeholders appear once each, numbered in the
// text's order, are rewritten; a list of other or mixed types, or of one value, runs as it
// is.

// anyLists returns query and args with every list of two or more placeholders written as
// an array; ok is false when there is none (run query as it is).
func anyLists(query string, args []driver.NamedValue) (string, []driver.NamedValue, bool) {
	if len(args) < 2 || !strings.Contains(query, " IN ($") || !placeholdersInOrder(query, len(args)) {
		return "", nil, false
	}
	var q strings.Builder
	out := make([]driver.NamedValue, 0, len(args))
	next := 0 // the next argument (0-based) not yet written
	rest := query
	changed := false
	for {
		i := strings.Index(rest, " IN ($")
		if i < 0 {
			break
		}
		first, n, end, ok := placeholderList(rest[i+len(" IN ("):])
		elem := ""
		if ok && n >= 2 {
			elem = listElement(args[first-1 : first-1+n])
		}
		if elem == "" {
			q.WriteString(renumber(rest[:i+len(" IN (")], &next, &out, args))
			rest = rest[i+len(" IN ("):]
			continue
		}
		head := rest[:i]
		op := " = ANY("
		if strings.HasSuffix(head, " NOT") {
			head, op = strings.TrimSuffix(head, " NOT"), " <> ALL("
		}
		q.WriteString(renumber(head, &next, &out, args))
		out = append(out, driver.NamedValue{Ordinal: len(out) + 1, Value: arrayValue(elem, args[first-1:first-1+n])})
		q.WriteString(op + "$" + strconv.Itoa(len(out)) + "::" + elem + "[])")
		next = first - 1 + n
		rest = rest[i+len(" IN (")+end:]
		changed = true
	}
	if !changed {
		return "", nil, false
	}
	q.WriteString(renumber(rest, &next, &out, args))
	return q.String(), out, true
}

// placeholderAt reads the placeholder $k at s[i]: k and the offset after it, k 0 for none.
func placeholderAt(s string, i int) (k, end int) {
	if i >= len(s) || s[i] != '$' {
		return 0, i
	}
	j := i + 1
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if k, err := strconv.Atoi(s[i+1 : j]); err == nil && k > 0 {
		return k, j
	}
	return 0, i
}

// placeholdersInOrder reports whether query's placeholders are $1 … $n, each once, in the
// text's order.
func placeholdersInOrder(query string, n int) bool {
	want := 1
	for i := 0; i < len(query); i++ {
		k, end := placeholderAt(query, i)
		if k == 0 {
			continue
		}
		if k != want {
			return false
		}
		want++
		i = end - 1
	}
	return want == n+1
}

// placeholderList parses `$k, $k+1, …, $k+n-1)` at the start of s: the first number, the
// count and the length up to and including the parenthesis.
func placeholderList(s string) (first, n, end int, ok bool) {
	for pos := 0; ; {
		k, j := placeholderAt(s, pos)
		if k == 0 || (n > 0 && k != first+n) {
			return 0, 0, 0, false
		}
		if n == 0 {
			first = k
		}
		n++
		switch {
		case strings.HasPrefix(s[j:], ", "):
			pos = j + 2
		case strings.HasPrefix(s[j:], ")"):
			return first, n, j + 1, true
		default:
			return 0, 0, 0, false
		}
	}
}

// listElement is the array element type for the values, "" if they are not all integers
// or all strings.
func listElement(vals []driver.NamedValue) string {
	elem := ""
	for _, v := range vals {
		var t string
		switch v.Value.(type) {
		case int64:
			t = "bigint"
		case string:
			t = "text"
		default:
			return ""
		}
		if elem != "" && t != elem {
			return ""
		}
		elem = t
	}
	return elem
}

// arrayValue writes the values as a PostgreSQL array literal of elem, each element as the
// bulk inserts write theirs (appendElement).
func arrayValue(elem string, vals []driver.NamedValue) driver.Value {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		appendElement(&b, elem, v.Value) // listElement checked the types
	}
	b.WriteByte('}')
	return b.String()
}

// renumber copies text, giving each placeholder in it the number of its argument in out
// (appended there), from args[*next] on.
func renumber(text string, next *int, out *[]driver.NamedValue, args []driver.NamedValue) string {
	if !strings.Contains(text, "$") {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		k, end := placeholderAt(text, i)
		if k == 0 {
			b.WriteByte(text[i])
			continue
		}
		v := args[*next]
		*next++
		v.Ordinal = len(*out) + 1
		*out = append(*out, v)
		b.WriteString("$" + strconv.Itoa(v.Ordinal))
		i = end - 1
	}
	return b.String()
}
