package store

import (
	"database/sql/driver"
	"fmt"
	"testing"
)

func TestAnyListsRewrite(t *testing.T) {
	nv := func(vals ...any) []driver.NamedValue {
		out := make([]driver.NamedValue, len(vals))
		for i, v := range vals {
			out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
		}
		return out
	}
	tests := []struct {
		name     string
		query    string
		args     []driver.NamedValue
		want     string
		wantArgs string
	}{
		{"ids", `SELECT "id" FROM "t" WHERE "t"."id" IN ($1, $2, $3)`, nv(int64(1), int64(2), int64(3)),
			`SELECT "id" FROM "t" WHERE "t"."id" = ANY($1::bigint[])`, "[{1,2,3}]"},
		{"a list between arguments", `SELECT "id" FROM "t" WHERE "a" = $1 AND "t"."id" IN ($2, $3) AND "b" = $4 LIMIT 11`,
			nv("x", int64(5), int64(6), true),
			`SELECT "id" FROM "t" WHERE "a" = $1 AND "t"."id" = ANY($2::bigint[]) AND "b" = $3 LIMIT 11`, "[x {5,6} true]"},
		{"two lists, NOT IN", `SELECT 1 FROM "t" WHERE "c" IN ($1, $2) AND "s" NOT IN ($3, $4, $5) AND "d" IN ($6, $7)`,
			nv(int64(1), int64(2), "a", `b"c`, "d,e", int64(9), int64(8)),
			`SELECT 1 FROM "t" WHERE "c" = ANY($1::bigint[]) AND "s" <> ALL($2::text[]) AND "d" = ANY($3::bigint[])`,
			`[{1,2} {"a","b\"c","d,e"} {9,8}]`},
		{"a list of mixed types is kept, later ones still rewritten", `SELECT 1 FROM "t" WHERE "c" IN ($1, $2) AND "d" IN ($3, $4)`,
			nv(int64(1), "x", int64(3), int64(4)),
			`SELECT 1 FROM "t" WHERE "c" IN ($1, $2) AND "d" = ANY($3::bigint[])`, "[1 x {3,4}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, args, ok := anyLists(tt.query, tt.args)
			if !ok {
				t.Fatal("not rewritten")
			}
			vals := make([]any, len(args))
			for i, a := range args {
				if a.Ordinal != i+1 {
					t.Errorf("argument %d has ordinal %d", i, a.Ordinal)
				}
				vals[i] = a.Value
			}
			if q != tt.want || fmt.Sprint(vals) != tt.wantArgs {
				t.Fatalf("got\n%s %v\nwant\n%s %s", q, vals, tt.want, tt.wantArgs)
			}
		})
	}
	for name, tt := range map[string]struct {
		query string
		args  []driver.NamedValue
	}{
		"one value":                 {`SELECT 1 FROM "t" WHERE "id" IN ($1)`, nv(int64(1))},
		"times":                     {`SELECT 1 FROM "t" WHERE "at" IN ($1, $2)`, nv("x", 2.5)},
		"placeholders out of order": {`SELECT 1 FROM "t" WHERE "a" = $2 AND "id" IN ($1, $3)`, nv(int64(1), int64(2), int64(3))},
		"a placeholder used twice":  {`SELECT 1 FROM "t" WHERE "a" = $1 AND "id" IN ($1, $2)`, nv(int64(1), int64(2))},
		"no list":                   {`SELECT 1 FROM "t" WHERE "a" = $1 AND "b" = $2`, nv(int64(1), int64(2))},
	} {
		if q, _, ok := anyLists(tt.query, tt.args); ok {
			t.Errorf("%s: rewritten as %s", name, q)
		}
	}
}
