package ent

import (
	"fmt"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// A page's query reads its filter's count in a scalar subquery over the same table and
// predicate, its arguments numbered in the text's order; a query that joins or aliases its
// table is left as it is, and Paginate counts apart.
func TestSelectTotalCount(t *testing.T) {
	page := func() *sql.Selector {
		b := sql.Dialect(dialect.Postgres)
		t := b.Table("registrants")
		return b.Select(t.C("id")).From(t).Where(sql.And(sql.EQ(t.C("launch_id"), 7), sql.EQ(t.C("status"), "CONFIRMED"))).
			OrderBy(sql.Desc(t.C("created_at"))).Limit(51)
	}
	joined := page()
	l := sql.Dialect(dialect.Postgres).Table("launches")
	joined.Join(l).On(joined.C("launch_id"), l.C("id"))
	aliased := sql.Dialect(dialect.Postgres).Select("id").From(sql.Dialect(dialect.Postgres).Table("registrants").As("r")).Where(sql.EQ("id", 1))
	for _, tt := range []struct {
		name string
		s    *sql.Selector
		want string
		args int
	}{
		{"a filtered page", page(), `SELECT "registrants"."id", (SELECT COUNT(*) FROM "registrants" WHERE "registrants"."launch_id" = $1 AND "registrants"."status" = $2) AS "lg_total_count" FROM "registrants" WHERE "registrants"."launch_id" = $3 AND "registrants"."status" = $4 ORDER BY "registrants"."created_at" DESC LIMIT 51`, 4},
		{"a join", joined, `SELECT "registrants"."id" FROM "registrants" JOIN "launches" AS "t1" ON "registrants"."launch_id" = "t1"."id" WHERE "registrants"."launch_id" = $1 AND "registrants"."status" = $2 ORDER BY "registrants"."created_at" DESC LIMIT 51`, 2},
		{"an alias", aliased, `SELECT "id" FROM "registrants" AS "r" WHERE "id" = $1`, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			selectTotalCount(tt.s)
			q, args := tt.s.Query()
			if tt.args == 4 && fmt.Sprint(args) != "[7 CONFIRMED 7 CONFIRMED]" {
				t.Errorf("arguments %v", args)
			}
			if q != tt.want || len(args) != tt.args {
				t.Fatalf("query\n%s\nwant\n%s\n(%d arguments, want %d)", q, tt.want, len(args), tt.args)
			}
		})
	}
}
