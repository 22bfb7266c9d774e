package relay

import (
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"launchgraph/internal/apperr"
)

func where(t *testing.T, after, before *Cursor, keys []Key) (string, []any, error) {
	t.Helper()
	pred, err := Predicate(after, before, keys, "id")
	if err != nil || pred == nil {
		return "", nil, err
	}
	s := sql.Dialect(dialect.Postgres).Select("*").From(sql.Table("t"))
	pred(s)
	q, args := s.Query()
	return q, args, nil
}

func TestPredicate(t *testing.T) {
	at := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	nullable := Key{Column: "w", Nullable: true, Kind: KindInt}
	for _, tc := range []struct {
		name          string
		after, before *Cursor
		keys          []Key
		want          string
		args          []any
	}{
		{name: "none"},
		{name: "id only", after: &Cursor{ID: 7, Value: []any{}},
			want: `WHERE "t"."id" > $1`, args: []any{int64(7)}},
		{name: "uniform ascending: a row comparison",
			after: &Cursor{ID: 7, Value: []any{at}}, keys: []Key{{Column: "c", Kind: KindTime}},
			want: `WHERE ("t"."c", "t"."id") > ($1, $2)`, args: []any{at, int64(7)}},
		{name: "descending, id follows",
			before: &Cursor{ID: 7, Value: []any{at}}, keys: []Key{{Column: "c", Desc: true, Kind: KindTime}},
			want: `WHERE ("t"."c", "t"."id") > ($1, $2)`, args: []any{at, int64(7)}},
		{name: "after a value of a nullable column: larger, or NULL",
			after: &Cursor{ID: 7, Value: []any{int8(2)}}, keys: []Key{nullable},
			want: `WHERE "t"."w" > $1 OR "t"."w" IS NULL OR ("t"."w" = $2 AND "t"."id" > $3)`, args: []any{int64(2), int64(2), int64(7)}},
		{name: "mixed directions, a nullable second key",
			after: &Cursor{ID: 7, Value: []any{"a", int64(2)}}, keys: []Key{{Column: "s", Desc: true, Kind: KindString}, nullable},
			want: `WHERE "t"."s" < $1 OR ("t"."s" = $2 AND ("t"."w" > $3 OR "t"."w" IS NULL)) OR ("t"."s" = $4 AND "t"."w" = $5 AND "t"."id" > $6)`,
			args: []any{"a", "a", int64(2), "a", int64(2), int64(7)}},
		{name: "after NULL ascending: only later NULLs",
			after: &Cursor{ID: 7, Value: []any{nil}}, keys: []Key{nullable},
			want: `WHERE "t"."w" IS NULL AND "t"."id" > $1`, args: []any{int64(7)}},
		{name: "before NULL ascending: every value, earlier NULLs",
			before: &Cursor{ID: 7, Value: []any{nil}}, keys: []Key{nullable},
			want: `WHERE "t"."w" IS NOT NULL OR ("t"."w" IS NULL AND "t"."id" < $1)`, args: []any{int64(7)}},
		{name: "after and before together",
			after: &Cursor{ID: 3, Value: []any{}}, before: &Cursor{ID: 9, Value: []any{}},
			want: `WHERE "t"."id" > $1 AND "t"."id" < $2`, args: []any{int64(3), int64(9)}},
		{name: "ID as an order field ends the key",
			after: &Cursor{ID: 7, Value: []any{int64(7), "x"}}, keys: []Key{{Column: "id", Desc: true, Kind: KindInt}, {Column: "name", Kind: KindString}},
			want: `WHERE "t"."id" < $1`, args: []any{int64(7)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, args, err := where(t, tc.after, tc.before, tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if want := `SELECT * FROM "t" ` + tc.want; tc.want != "" && q != want || tc.want == "" && q != "" {
				t.Errorf("query\n%s\nwant\n%s", q, want)
			}
			if len(args) != len(tc.args) {
				t.Fatalf("args %v, want %v", args, tc.args)
			}
			for i := range args {
				if args[i] != tc.args[i] {
					t.Errorf("args %v, want %v", args, tc.args)
				}
			}
		})
	}
}

func TestPredicateInvalidCursors(t *testing.T) {
	keys := []Key{{Column: "c", Kind: KindTime}, {Column: "n", Kind: KindString}}
	at := time.Now()
	for _, tc := range []struct {
		name   string
		after  *Cursor
		before *Cursor
		arg    string
	}{
		{"did not decode", InvalidCursor(), nil, "after"},
		{"not a list", nil, &Cursor{ID: 1, Value: "x"}, "before"},
		{"too few values", &Cursor{ID: 1, Value: []any{at}}, nil, "after"},
		{"too many values", nil, &Cursor{ID: 1, Value: []any{at, "a", "b"}}, "before"},
		{"string for a time", &Cursor{ID: 1, Value: []any{"2030-01-01", "a"}}, nil, "after"},
		{"NULL in a column without NULLs", &Cursor{ID: 1, Value: []any{nil, "a"}}, nil, "after"},
		{"a list for a string", &Cursor{ID: 1, Value: []any{at, []any{"a"}}}, nil, "after"},
		{"ID order value not the cursor's id", &Cursor{ID: 1, Value: []any{int64(2)}}, nil, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := keys
			if tc.name == "ID order value not the cursor's id" {
				k = []Key{{Column: "id", Kind: KindInt}}
			}
			_, err := Predicate(tc.after, tc.before, k, "id")
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.BadUserInput || e.Field != tc.arg || e.Message != "invalid cursor" {
				t.Errorf("error %v, want BAD_USER_INPUT invalid cursor on %s", err, tc.arg)
			}
		})
	}
}
