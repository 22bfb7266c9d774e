package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/ent"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// countingDriver counts the SQL statements ent sends.
type countingDriver struct {
	dialect.Driver
	n atomic.Int64
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func (d *countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

// keysKept keeps a checked API key cached for the whole test (SQLite's cache re-reads it
// after 0.5 s), so that statement counts do not depend on how fast the machine runs.
func keysKept(c *config) { c.keyCache = auth.KeyCacheConfig{TTL: time.Hour, Sweep: time.Hour} }

// settle waits until d has seen no statement for 200 ms: the work the fill's events start
// (the live service's preloads, caches following the broker) runs after they arrive, and
// must not be counted as the query's.
func settle(d *countingDriver) {
	for last := int64(-1); ; {
		n := d.n.Load()
		if n == last {
			return
		}
		last = n
		time.Sleep(200 * time.Millisecond)
	}
}

// Tx counts the statements of the transaction too.
func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: &d.n}, nil
}

// countingTx counts the SQL statements of one transaction into its driver's count.
type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, query, args, v)
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, query, args, v)
}

// nestedQuery walks regions → launches → sessions → speakers.
const nestedQuery = `{
  regions(first: 10, orderBy: [{field: CODE}]) { edges { node { code
    launches(first: 50, orderBy: [{field: STARTS_AT}]) { totalCount edges { node { title region { code } format { kind }
      sessions(first: 3, orderBy: [{field: POSITION}]) { edges { node { title
        speakers(first: 2) { edges { node { name affiliation } } } } } } } } } } } }
}`

// fillProgramme creates one region with n launches, each with 3 sessions of 2 speakers.
func fillProgramme(tb testing.TB, client *ent.Client, n int) {
	tb.Helper()
	ctx := context.Background()
	region := client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	format := client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		l := client.Launch.Create().
			SetSlug(fmt.Sprintf("launch-%d", i)).SetTitle(fmt.Sprintf("Launch %d", i)).
			SetRegion(region).SetFormat(format).SetStatus("PUBLISHED").
			SetStartsAt(start.AddDate(0, 0, i)).SetEndsAt(start.AddDate(0, 0, i).Add(6 * time.Hour)).
			SetTimezone("Europe/Zurich").SaveX(ctx)
		for s := range 3 {
			speakers := client.Speaker.CreateBulk(
				client.Speaker.Create().SetName(fmt.Sprintf("Speaker %d-%d-a", i, s)),
				client.Speaker.Create().SetName(fmt.Sprintf("Speaker %d-%d-b", i, s)),
			).SaveX(ctx)
			client.Session.Create().SetLaunch(l).SetTitle(fmt.Sprintf("Session %d", s)).SetKind("PANEL").
				SetPosition(s).SetStartsAt(l.StartsAt).SetEndsAt(l.EndsAt).AddSpeakers(speakers...).SaveX(ctx)
		}
	}
}

func TestNestedQueryStatementCount(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) { testStatementCount(t, dialectName) })
	}
}

func testStatementCount(t *testing.T, dialectName string) {
	{
		counts := map[int]int64{}
		for _, n := range []int{2, 50} {
			drv := new(countingDriver)
			db := openDialect(t, dialectName, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
			})
			fillProgramme(t, db.Client, n)
			srv, _ := testAppWithoutSender(t, db, keysKept) // the sender's polls are not the query's
			key := adminKey(t, db)
			dataAs(t, srv.URL, key, `{ __typename }`, nil, nil) // the key's first use writes lastUsedAt
			settle(drv)
			drv.n.Store(0)
			var got struct {
				Regions struct {
					Edges []struct {
						Node struct {
							Launches struct {
								TotalCount int
								Edges      []struct {
									Node struct {
										Sessions struct {
											Edges []struct {
												Node struct {
													Speakers struct{ Edges []struct{} }
												}
											}
										}
									}
								}
							}
						}
					}
				}
			}
			dataAs(t, srv.URL, key, nestedQuery, nil, &got)
			counts[n] = drv.n.Load()
			l := got.Regions.Edges[0].Node.Launches
			if l.TotalCount != n || len(l.Edges) != n || len(l.Edges[n-1].Node.Sessions.Edges) != 3 ||
				len(l.Edges[n-1].Node.Sessions.Edges[2].Node.Speakers.Edges) != 2 {
				t.Fatalf("n=%d: unexpected shape", n)
			}
			t.Logf("n=%d launches: %d statements", n, counts[n])
		}
		if counts[2] != counts[50] {
			t.Fatalf("statements grow with rows: %d for 2 launches, %d for 50", counts[2], counts[50])
		}
		if counts[2] > 12 {
			t.Fatalf("%d statements for a depth-4 query; want a small bound", counts[2])
		}
	}
}

// openDialect opens a fresh migrated store of the named dialect.
func openDialect(tb testing.TB, name string, opts ...func(*store.Config)) *store.DB {
	tb.Helper()
	if name == "postgres" {
		return storetest.Postgres(tb, opts...)
	}
	return storetest.SQLite(tb, opts...)
}

// BenchmarkNestedQuery measures the depth-4 query over HTTP with 50 launches.
func BenchmarkNestedQuery(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			db := openDialect(b, name)
			fillProgramme(b, db.Client, 50)
			srv := testServer(b, db)
			key := adminKey(b, db)
			b.ResetTimer()
			for b.Loop() {
				dataAs(b, srv.URL, key, nestedQuery, nil, nil)
			}
		})
	}
}
