package main

import (
	"context"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"

	"launchgraph/bench/scenario"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// The bench's dataset at a smaller scale: 12 launches (two per region) of 200 registrants,
// 100 of them CONFIRMED.
const (
	readLaunches    = 12
	readRegistrants = 12 * 200
)

// TestReadPathStatementCount sends the bench's three read scenarios (bench/scenario) over
// HTTP and counts the statements each costs once the API key and the reference rows are
// warm: (a) at most 2, (b) at most 4, (c) at most 2 (issue 13.2). A warm key costs none.
func TestReadPathStatementCount(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			drv := new(countingDriver)
			db := openDialect(t, dialectName, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
			})
			ds, err := scenario.Seed(context.Background(), db.Client, readLaunches, readRegistrants)
			if err != nil {
				t.Fatal(err)
			}
			// Without the outbox sender: its polls would be counted as the queries' statements.
			srv, _ := testAppWithoutSender(t, db, unlimited, keysKept)
			key := adminKey(t, db)
			id := strconv.Itoa(ds.LaunchIDs[0])
			count := func(key, query string, vars map[string]any, v any) int64 {
				t.Helper()
				dataAs(t, srv.URL, key, query, vars, nil) // warms the key and the caches
				settle(drv)
				drv.n.Store(0)
				dataAs(t, srv.URL, key, query, vars, v)
				return drv.n.Load()
			}

			if n := count(key, `{ __typename }`, nil, nil); n != 0 {
				t.Errorf("a warm API key costs %d statements, want 0", n)
			}

			var a struct {
				Node struct {
					ID     string
					Region struct{ Code string }
					Format struct{ Kind string }
				}
			}
			if n := count("", scenario.A, map[string]any{"id": id}, &a); n > 2 {
				t.Errorf("(a) costs %d statements, want at most 2", n)
			} else {
				t.Logf("(a): %d statements", n)
			}
			if a.Node.ID != id || a.Node.Region.Code != scenario.Regions[0].Code || a.Node.Format.Kind != "ONE_DAY_FORUM" {
				t.Errorf("(a) = %+v", a.Node)
			}

			var b struct {
				Regions struct {
					Edges []struct {
						Node struct {
							Code     string
							Launches struct {
								TotalCount int
								Edges      []struct {
									Node struct {
										Registrants struct {
											Edges []struct{ Node struct{ Name, Status string } }
										}
									}
								}
							}
						}
					}
				}
			}
			if n := count(key, scenario.B, nil, &b); n > 4 {
				t.Errorf("(b) costs %d statements, want at most 4", n)
			} else {
				t.Logf("(b): %d statements", n)
			}
			if got := len(b.Regions.Edges); got != len(scenario.Regions) {
				t.Fatalf("(b): %d regions, want %d", got, len(scenario.Regions))
			}
			for _, r := range b.Regions.Edges {
				l := r.Node.Launches
				if l.TotalCount != readLaunches/len(scenario.Regions) || len(l.Edges) != l.TotalCount {
					t.Errorf("(b) %s: totalCount %d, %d edges", r.Node.Code, l.TotalCount, len(l.Edges))
				}
				for _, e := range l.Edges {
					regs := e.Node.Registrants.Edges
					statuses := map[string]bool{}
					for _, g := range regs {
						statuses[g.Node.Status] = true
					}
					if len(regs) != 10 || len(statuses) < 3 {
						t.Errorf("(b) %s: %d registrants of %d statuses, want 10 of several", r.Node.Code, len(regs), len(statuses))
					}
				}
			}

			var c struct {
				Registrants struct {
					TotalCount int
					Edges      []struct {
						Node struct{ ID, Name, Status, CreatedAt string }
					}
				}
			}
			if n := count(key, scenario.C, map[string]any{"id": id}, &c); n != 1 {
				t.Errorf("(c) costs %d statements, want 1 (the page and its totalCount together)", n)
			} else {
				t.Logf("(c): %d statements", n)
			}
			perLaunch := readRegistrants / readLaunches
			if c.Registrants.TotalCount != perLaunch/2 || len(c.Registrants.Edges) != 50 {
				t.Errorf("(c): totalCount %d, %d edges; want %d, 50", c.Registrants.TotalCount, len(c.Registrants.Edges), perLaunch/2)
			}
			for i, e := range c.Registrants.Edges {
				if e.Node.Status != "CONFIRMED" || i > 0 && e.Node.CreatedAt > c.Registrants.Edges[i-1].Node.CreatedAt {
					t.Fatalf("(c) edge %d: %+v not CONFIRMED newest first", i, e.Node)
				}
			}
		})
	}
}

// BenchmarkReadPath runs the bench's scenarios (b) and (c) over HTTP against the bench's
// full dataset (60 launches, 20,000 registrants) on PostgreSQL, one request at a time;
// allocations include the in-process HTTP client's.
func BenchmarkReadPath(b *testing.B) {
	db := storetest.Postgres(b)
	ds, err := scenario.Seed(context.Background(), db.Client, 60, 20000)
	if err != nil {
		b.Fatal(err)
	}
	srv := testServer(b, db, unlimited)
	key := adminKey(b, db)
	vars := map[string]any{"id": strconv.Itoa(ds.LaunchIDs[0])}
	for _, name := range []string{"a", "b", "c"} {
		b.Run(name, func(b *testing.B) {
			dataAs(b, srv.URL, key, scenario.Queries[name], vars, nil)
			b.ReportAllocs()
			for b.Loop() {
				dataAs(b, srv.URL, key, scenario.Queries[name], vars, nil)
			}
		})
	}
}
