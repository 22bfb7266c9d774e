package store

import (
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// InInts matches column against ids: = ANY($n) with one array parameter on PostgreSQL
// (one statement text whatever their number, so it stays in the statement cache and is
// planned once), IN (…) elsewhere.
func InInts(dialectName, column string, ids []int) *entsql.Predicate {
	if dialectName == dialect.Postgres {
		vs := make([]int64, len(ids))
		for i, id := range ids {
			vs[i] = int64(id)
		}
		return anyOf(column, pq.Array(vs))
	}
	return entsql.In(column, anys(ids)...)
}

// InStrings is InInts for texts.
func InStrings(dialectName, column string, values []string) *entsql.Predicate {
	if dialectName == dialect.Postgres {
		return anyOf(column, pq.Array(values))
	}
	return entsql.In(column, anys(values)...)
}

// anyOf is column = ANY(array).
func anyOf(column string, array any) *entsql.Predicate {
	return entsql.P(func(b *entsql.Builder) {
		b.Ident(column).WriteString(" = ANY(").Arg(array).WriteString(")")
	})
}

func anys[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
