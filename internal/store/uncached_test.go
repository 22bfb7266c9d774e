package store_test

import (
	"testing"

	"launchgraph/internal/store"
)

// TestUncachedComment: a statement starting with store.UncachedComment is parsed afresh
// each time (unnamed, planned with its arguments), never prepared into the cache.
func TestUncachedComment(t *testing.T) {
	db, w := pgWire(t, func(cfg *store.Config) { cfg.MaxOpenConns = 1 })
	ctx := allow(t)
	query := store.UncachedComment + ` SELECT "id" FROM "regions" WHERE "id" = $1`
	before := w.Total()
	for range 3 {
		rows, err := db.SQL.QueryContext(ctx, query, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	d := w.Total().Sub(before)
	if len(d.Prepares) != 0 || d.UnnamedParses != 3 {
		t.Errorf("prepared %v and parsed %d unnamed, want nothing prepared and 3 parses", d.Prepares, d.UnnamedParses)
	}
}
