package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/launch"
	"launchgraph/ent/privacy"
	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// pgWire opens a migrated PostgreSQL store whose connections are counted by the returned
// Wire.
func pgWire(t *testing.T, opts ...func(*store.Config)) (*store.DB, *storetest.Wire) {
	t.Helper()
	w := &storetest.Wire{}
	return storetest.Postgres(t, append([]func(*store.Config){w.Use()}, opts...)...), w
}

// readLaunch is the ent query the tests repeat: a launch by id with its region and format.
func readLaunch(ctx context.Context, c *ent.Client, id int) (*ent.Launch, error) {
	return c.Launch.Query().Where(launch.ID(id)).WithRegion().WithFormat().Only(ctx)
}

// TestStatementCachePreparesOncePerConnection runs reads and writes, inside transactions
// and out, many times: no connection prepares one SQL text twice, and on a single warm
// connection nothing is prepared at all.
func TestStatementCachePreparesOncePerConnection(t *testing.T) {
	for _, poolSize := range []int{1, 2} {
		t.Run(fmt.Sprintf("pool=%d", poolSize), func(t *testing.T) {
			db, w := pgWire(t, func(cfg *store.Config) { cfg.MaxOpenConns = poolSize })
			ctx := allow(t)
			_, r, l := fixtures(ctx, t, db.Client, time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))

			round := func(i int) {
				t.Helper()
				if _, err := readLaunch(ctx, db.Client, l.ID); err != nil {
					t.Fatalf("read launch: %v", err)
				}
				if _, err := db.Client.Region.Get(ctx, r.ID); err != nil {
					t.Fatalf("get region: %v", err)
				}
				if n, err := db.Client.Launch.Query().Where(launch.HasRegionWith()).Count(ctx); err != nil || n != 1 {
					t.Fatalf("count launches = %d, %v; want 1", n, err)
				}
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					t.Fatalf("begin: %v", err)
				}
				if _, err := readLaunch(ctx, tx.Client(), l.ID); err != nil {
					t.Fatalf("read launch in transaction: %v", err)
				}
				// An audited update: the audit entry's changes are jsonb.
				if err := tx.Launch.UpdateOneID(l.ID).SetTitle(fmt.Sprintf("Launch for Africa %d", i)).Exec(ctx); err != nil {
					t.Fatalf("update launch: %v", err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatalf("commit: %v", err)
				}
			}
			for i := range 3 {
				round(i)
			}
			warm := w.Total()
			const rounds = 20
			for i := range rounds {
				round(3 + i)
			}
			after := w.Total().Sub(warm)

			for i, conn := range w.Conns() {
				for q, n := range conn.Prepares {
					if n > 1 {
						t.Errorf("connection %d prepared %d times: %s", i, n, q)
					}
				}
			}
			if poolSize == 1 && len(after.Prepares) != 0 {
				t.Errorf("the warm connection prepared %v", after.Prepares)
			}
			if after.Binds < 7*rounds {
				t.Errorf("%d statements run in %d rounds, want ≥ %d", after.Binds, rounds, 7*rounds)
			}
			if len(w.Total().Prepares) < 5 {
				t.Errorf("prepared %v: the cache is not in use", w.Total().Prepares)
			}
			got, err := db.Client.Launch.Get(ctx, l.ID)
			if err != nil || got.Title != fmt.Sprintf("Launch for Africa %d", 2+rounds) {
				t.Errorf("launch after the rounds = %+v, %v", got, err)
			}
		})
	}
}

// TestStatementRoundTrips counts the round trips of one query on one connection: a cached
// statement costs one, its first use two (prepare, then run), and without the cache
// binary_parameters sends it in one, where lib/pq's default needs two.
func TestStatementRoundTrips(t *testing.T) {
	const query = `SELECT "id", "code" FROM "regions" WHERE "id" = $1`
	tests := []struct {
		name       string
		opts       func(*store.Config)
		warm       bool
		roundTrips int
		prepares   int
	}{
		{name: "cached, warm", warm: true, roundTrips: 1},
		{name: "cached, first use", roundTrips: 2, prepares: 1},
		{name: "no cache, binary_parameters", opts: func(cfg *store.Config) { cfg.NoStatementCache = true }, warm: true, roundTrips: 1},
		{name: "no cache, text parameters", opts: func(cfg *store.Config) {
			cfg.NoStatementCache = true
			cfg.URL += "&binary_parameters=no"
		}, warm: true, roundTrips: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []func(*store.Config){}
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			db, w := pgWire(t, opts...)
			ctx := allow(t)
			_, r, _ := fixtures(ctx, t, db.Client, time.Now())
			conn, err := db.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var id int
			var code string
			if tt.warm {
				if err := conn.QueryRowContext(ctx, query, r.ID).Scan(&id, &code); err != nil {
					t.Fatalf("warm-up: %v", err)
				}
			}
			before := w.Total()
			for range 3 {
				if err := conn.QueryRowContext(ctx, query, r.ID).Scan(&id, &code); err != nil {
					t.Fatal(err)
				}
				if id != r.ID || code != "AFR" {
					t.Fatalf("got (%d, %q), want (%d, AFR)", id, code, r.ID)
				}
				d := w.Total().Sub(before)
				before = w.Total()
				if d.RoundTrips != tt.roundTrips || d.Writes != tt.roundTrips || d.Prepares[query] != tt.prepares {
					t.Fatalf("one query: %d round trips in %d writes, %d prepares; want %d round trips, %d prepares",
						d.RoundTrips, d.Writes, d.Prepares[query], tt.roundTrips, tt.prepares)
				}
				// Later iterations are warm.
				tt.roundTrips, tt.prepares = max(1, tt.roundTrips-tt.prepares), 0
			}
		})
	}
}

// TestStatementCacheStale changes what a cached statement stands for under it: the
// statement is prepared again and the query answers as if nothing had been cached.
// Inside a transaction PostgreSQL has already aborted it when the stale statement fails:
// the error comes back, and the next use prepares afresh.
func TestStatementCacheStale(t *testing.T) {
	const query = `SELECT * FROM stale_t WHERE id = $1`
	tests := []struct {
		name         string
		change       string // made outside a transaction
		want         string // the row after it, as text
		changeAgain  string // made before a transaction
		wantAgain    string
		wantCodeInTx pqerror.Code
	}{
		{
			name:   "column added",
			change: `ALTER TABLE stale_t ADD COLUMN extra text DEFAULT 'x'`, want: "1 a x",
			changeAgain: `ALTER TABLE stale_t DROP COLUMN extra`, wantAgain: "1 a", wantCodeInTx: "0A000",
		},
		{
			name:   "column type changed",
			change: `ALTER TABLE stale_t ALTER COLUMN v TYPE varchar(10)`, want: "1 a",
			changeAgain: `ALTER TABLE stale_t ALTER COLUMN v TYPE text`, wantAgain: "1 a", wantCodeInTx: "0A000",
		},
		{
			name:   "deallocated",
			change: `DEALLOCATE ALL`, want: "1 a",
			changeAgain: `DEALLOCATE ALL`, wantAgain: "1 a", wantCodeInTx: "26000",
		},
		{
			name:   "discarded",
			change: `DISCARD ALL`, want: "1 a",
			changeAgain: `DISCARD ALL`, wantAgain: "1 a", wantCodeInTx: "26000",
		},
	}
	scan := func(ctx context.Context, q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) (string, error) {
		rows, err := q.QueryContext(ctx, query, 1)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return "", err
		}
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return "", err
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				out = append(out, fmt.Sprint(v))
			}
		}
		return strings.Join(out, " "), rows.Err()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, w := pgWire(t)
			ctx := testContext(t)
			conn, err := db.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, `CREATE TABLE stale_t (id int PRIMARY KEY, v text); INSERT INTO stale_t VALUES (1, 'a')`); err != nil {
				t.Fatal(err)
			}
			if got, err := scan(ctx, conn); err != nil || got != "1 a" {
				t.Fatalf("before the change: %q, %v", got, err)
			}
			if _, err := conn.ExecContext(ctx, tt.change); err != nil {
				t.Fatal(err)
			}
			if got, err := scan(ctx, conn); err != nil || got != tt.want {
				t.Fatalf("after the change: %q, %v; want %q", got, err, tt.want)
			}
			if n := w.Total().Prepares[query]; n != 2 {
				t.Errorf("prepared %d times, want 2 (before and after the change)", n)
			}

			if _, err := conn.ExecContext(ctx, tt.changeAgain); err != nil {
				t.Fatal(err)
			}
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = scan(ctx, tx)
			if pqErr := (*pq.Error)(nil); !errors.As(err, &pqErr) || pqErr.Code != tt.wantCodeInTx {
				t.Errorf("in a transaction after the change: %v, want a %s error", err, tt.wantCodeInTx)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if got, err := scan(ctx, conn); err != nil || got != tt.wantAgain {
				t.Fatalf("after the transaction: %q, %v; want %q", got, err, tt.wantAgain)
			}
			if n := w.Total().Prepares[query]; n != 3 {
				t.Errorf("prepared %d times, want 3", n)
			}
		})
	}
}

// TestStatementCacheBound fills a small cache past its size: the least recently used
// statement is closed on the server (pg_prepared_statements never holds more than the
// bound) and prepared again on its next use.
func TestStatementCacheBound(t *testing.T) {
	const size = 3
	db, w := pgWire(t, func(cfg *store.Config) { cfg.StatementCacheSize = size })
	ctx := testContext(t)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The migrations left statements in this connection's cache.
	var cachedBefore int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements`).Scan(&cachedBefore); err != nil {
		t.Fatal(err)
	}
	before := w.Total()
	queries := make([]string, size+2)
	for i := range queries {
		queries[i] = fmt.Sprintf("SELECT $1::int + %d", i)
	}
	run := func(q string) {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, q, 1).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var prepared int
		// No arguments: not cached, not counted.
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements`).Scan(&prepared); err != nil {
			t.Fatal(err)
		}
		if prepared > size {
			t.Errorf("after %s: %d statements prepared on the server, want ≤ %d", q, prepared, size)
		}
	}
	for _, q := range queries {
		run(q)
	}
	// queries[0] and [1] were evicted; [4] is the most recent.
	run(queries[len(queries)-1])
	run(queries[0])
	got := w.Total().Sub(before)
	for i, q := range queries {
		want := 1
		if i == 0 {
			want = 2
		}
		if got.Prepares[q] != want {
			t.Errorf("%s prepared %d times, want %d", q, got.Prepares[q], want)
		}
	}
	// The cache ends full: everything else prepared was closed.
	if want := cachedBefore + len(queries) + 1 - size; got.Closes != want {
		t.Errorf("%d statements closed, want %d", got.Closes, want)
	}
}

// TestBinaryParametersValues writes and reads back the value types whose encoding
// binary_parameters changes: jsonb (ent's JSON fields), bytea, times, with the cache on
// and off.
func TestBinaryParametersValues(t *testing.T) {
	for _, noCache := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoStatementCache=%v", noCache), func(t *testing.T) {
			db := storetest.Postgres(t, func(cfg *store.Config) { cfg.NoStatementCache = noCache })
			ctx := allow(t)
			startsAt := time.Date(2026, 3, 4, 9, 30, 15, 123456000, time.FixedZone("EAT", 3*60*60))
			_, _, l := fixtures(ctx, t, db.Client, startsAt)
			title := `Lancement "Afrique" \ ☃`
			tr := map[string]schematype.Translation{"fr": {Title: &title}}
			for range 2 { // first use, then the cached statement
				if err := db.Client.Launch.UpdateOneID(l.ID).SetTranslations(tr).Exec(ctx); err != nil {
					t.Fatalf("set translations: %v", err)
				}
				got, err := db.Client.Launch.Get(ctx, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Translations["fr"].Title == nil || *got.Translations["fr"].Title != title {
					t.Errorf("translations = %+v", got.Translations)
				}
				if !got.StartsAt.Equal(startsAt) {
					t.Errorf("starts_at = %v, want %v", got.StartsAt, startsAt)
				}
				n, err := db.Client.Launch.Query().Where(launch.StartsAtGTE(startsAt), launch.StartsAtLT(startsAt.Add(time.Microsecond))).Count(ctx)
				if err != nil || n != 1 {
					t.Errorf("launches starting at %v: %d, %v", startsAt, n, err)
				}
			}
			for i, token := range [][]byte{{0, 1, 2, '\\', 'x', 0xff, 0xfe}, []byte(`{"a":1}`), {}} {
				k, err := db.Client.IdempotencyKey.Create().
					SetKeyHash(fmt.Sprint("k", i)).SetRequestHash("r").SetRegistrantID(1).SetSealedToken(token).
					Save(ctx)
				if err != nil {
					t.Fatalf("create idempotency key: %v", err)
				}
				got, err := db.Client.IdempotencyKey.Get(ctx, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.SealedToken, token) {
					t.Errorf("sealed token = %x, want %x", got.SealedToken, token)
				}
			}
		})
	}
}

// BenchmarkLaunchByID reads a launch by id with its region and format (three statements)
// through ent on PostgreSQL: lib/pq's default path (a parse and plan per statement, two
// round trips each), binary_parameters without the cache (one round trip, parsed each
// time), and the statement cache (one round trip, parsed once per connection). It reports
// the round trips and statements prepared per operation.
func BenchmarkLaunchByID(b *testing.B) {
	tests := []struct {
		name string
		opts func(*store.Config)
	}{
		{name: "text-params-no-cache", opts: func(cfg *store.Config) {
			cfg.NoStatementCache = true
			cfg.URL += "&binary_parameters=no"
		}},
		{name: "binary-params-no-cache", opts: func(cfg *store.Config) { cfg.NoStatementCache = true }},
		{name: "cache", opts: func(*store.Config) {}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			w := &storetest.Wire{}
			db := storetest.Postgres(b, w.Use(), tt.opts)
			ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
			f, err := db.Client.Format.Create().SetKind(format.KindHIGH_LEVEL_PANEL).SetName("Panel").Save(ctx)
			if err != nil {
				b.Fatal(err)
			}
			r, err := db.Client.Region.Create().SetCode("AFR").SetName("Africa").SetDefaultTimezone("Africa/Addis_Ababa").Save(ctx)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
			l, err := db.Client.Launch.Create().SetSlug("africa").SetTitle("Africa").SetRegion(r).SetFormat(f).
				SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("Africa/Addis_Ababa").Save(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := readLaunch(ctx, db.Client, l.ID); err != nil {
				b.Fatal(err)
			}
			before := w.Total()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				got, err := readLaunch(ctx, db.Client, l.ID)
				if err != nil || got.Edges.Region == nil || got.Edges.Format == nil {
					b.Fatalf("read launch: %+v, %v", got, err)
				}
			}
			b.StopTimer()
			d := w.Total().Sub(before)
			prepares := 0
			for _, n := range d.Prepares {
				prepares += n
			}
			b.ReportMetric(float64(d.RoundTrips)/float64(b.N), "roundtrips/op")
			b.ReportMetric(float64(prepares+d.UnnamedParses)/float64(b.N), "parses/op")
		})
	}
}
