package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestEmptyTextsBecomeNull: optional texts the old code stored as "" read as NULL after
// the migration of issue 11.4, and texts that were set stay as they were.
func TestEmptyTextsBecomeNull(t *testing.T) {
	const before = 20261127121644 // the last migration before empty_texts_null
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cfg := store.Config{URL: "sqlite://" + filepath.Join(t.TempDir(), "old.db")}
			if d == dialect.Postgres {
				cfg = store.Config{URL: storetest.PostgresURL(t)}
			}
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, before); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Format("2006-01-02 15:04:05")
			for _, q := range []string{
				`INSERT INTO speakers (id, created_at, updated_at, name, title, affiliation, bio) VALUES (1, '` + now + `', '` + now + `', 'A', '', 'ITU', '')`,
				`INSERT INTO speakers (id, created_at, updated_at, name, title, affiliation, bio) VALUES (2, '` + now + `', '` + now + `', 'B', 'Dr', '', NULL)`,
			} {
				if _, err := db.SQL.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			rows, err := db.SQL.QueryContext(ctx, `SELECT id, title, affiliation, bio FROM speakers ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			type row struct{ title, affiliation, bio *string }
			var got []row
			for rows.Next() {
				var id int
				var r row
				if err := rows.Scan(&id, &r.title, &r.affiliation, &r.bio); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			str := func(p *string) string {
				if p == nil {
					return "NULL"
				}
				return "'" + *p + "'"
			}
			want := [][3]string{{"NULL", "'ITU'", "NULL"}, {"'Dr'", "NULL", "NULL"}}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i, r := range got {
				if g := [3]string{str(r.title), str(r.affiliation), str(r.bio)}; g != want[i] {
					t.Errorf("speaker %d = %v, want %v", i+1, g, want[i])
				}
			}
		})
	}
}
