package store

import (
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// TestInListForms: one array parameter on PostgreSQL whatever the number of values, a
// parameter per value elsewhere.
func TestInListForms(t *testing.T) {
	for _, tc := range []struct {
		name, dialect string
		pred          func(d string) *entsql.Predicate
		want          string
		args          int
	}{
		{"ints, postgres", dialect.Postgres, func(d string) *entsql.Predicate { return InInts(d, "id", []int{1, 2, 3}) }, `SELECT * FROM "t" WHERE "id" = ANY($1)`, 1},
		{"texts, postgres", dialect.Postgres, func(d string) *entsql.Predicate { return InStrings(d, "k", []string{"a", "b"}) }, `SELECT * FROM "t" WHERE "k" = ANY($1)`, 1},
		{"ints, sqlite", dialect.SQLite, func(d string) *entsql.Predicate { return InInts(d, "id", []int{1, 2, 3}) }, "SELECT * FROM `t` WHERE `id` IN (?, ?, ?)", 3},
		{"texts, sqlite", dialect.SQLite, func(d string) *entsql.Predicate { return InStrings(d, "k", []string{"a", "b"}) }, "SELECT * FROM `t` WHERE `k` IN (?, ?)", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, args := entsql.Dialect(tc.dialect).Select().From(entsql.Table("t")).Where(tc.pred(tc.dialect)).Query()
			if q != tc.want || len(args) != tc.args {
				t.Errorf("got %s with %d args, want %s with %d", q, len(args), tc.want, tc.args)
			}
		})
	}
}
