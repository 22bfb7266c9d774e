package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/internal/store"
)

// argsDriver keeps the queries ent sends with its arguments.
type argsDriver struct {
	dialect.Driver
	mu    sync.Mutex
	stmts []argsStmt
}

type argsStmt struct {
	query string
	args  []any
}

func (d *argsDriver) Query(ctx context.Context, query string, args, v any) error {
	a, _ := args.([]any)
	d.mu.Lock()
	d.stmts = append(d.stmts, argsStmt{query, a})
	d.mu.Unlock()
	return d.Driver.Query(ctx, query, args, v)
}

// TestNestedConnectionReadsOnlyItsPage: on PostgreSQL a nested connection (first 3
// registrants of each of 4 launches with 40 registrants each) reads its rows per launch from
// the (launch_id, id) index, LIMIT 3 each (no pageInfo is asked for, so no look-ahead row):
// EXPLAIN ANALYZE of the statement the server sent reads 12 registrant rows, not 160.
func TestNestedConnectionReadsOnlyItsPage(t *testing.T) {
	drv := new(argsDriver)
	db := openDialect(t, "postgres", func(c *store.Config) {
		c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
	})
	ctx := context.Background()
	fillProgramme(t, db.Client, 4)
	created := time.Date(2029, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, l := range db.Client.Launch.Query().AllX(ctx) {
		for i := range 40 {
			db.Client.Registrant.Create().SetLaunchID(l.ID).SetName("P").
				SetEmail(fmt.Sprintf("p%d-%d@example.org", l.ID, i)).SetEmailKey(fmt.Sprintf("p%d-%d@example.org", l.ID, i)).
				SetConsentAt(created).SetStatus("CONFIRMED").SaveX(ctx)
		}
	}
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	srv := testServer(t, db, unlimited)
	key := adminKey(t, db)
	drv.mu.Lock()
	drv.stmts = nil
	drv.mu.Unlock()
	var data struct {
		Launches struct {
			Edges []struct {
				Node struct {
					Registrants struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
		}
	}
	dataAs(t, srv.URL, key, `{ launches(first: 10) { edges { node { registrants(first: 3) { edges { node { id name } } } } } } }`, nil, &data)
	if len(data.Launches.Edges) != 4 {
		t.Fatalf("%d launches", len(data.Launches.Edges))
	}
	for _, e := range data.Launches.Edges {
		if len(e.Node.Registrants.Edges) != 3 {
			t.Fatalf("%d registrants, want 3", len(e.Node.Registrants.Edges))
		}
	}
	var stmt *argsStmt
	for i, s := range drv.stmts {
		if strings.Contains(s.query, `FROM "registrants"`) {
			stmt = &drv.stmts[i]
		}
	}
	if stmt == nil || !strings.Contains(stmt.query, "LATERAL") {
		t.Fatalf("no LATERAL read of registrants among %d statements: %v", len(drv.stmts), stmt)
	}
	var plan string
	if err := db.SQL.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+stmt.query, stmt.args...).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	var nodes []map[string]any
	if err := json.Unmarshal([]byte(plan), &nodes); err != nil {
		t.Fatal(err)
	}
	read, index := registrantRowsRead(nodes[0]["Plan"].(map[string]any))
	if read != 12 || index != "registrant_launch_id_id" {
		t.Errorf("read %v registrant rows through index %q, want 12 through registrant_launch_id_id; plan %s", read, index, plan)
	}
}

// registrantRowsRead sums the rows the plan's scans of registrants produced (per loop ×
// loops, filtered rows included) and names the index they used.
func registrantRowsRead(n map[string]any) (float64, string) {
	var rows float64
	var index string
	if n["Relation Name"] == "registrants" {
		removed, _ := n["Rows Removed by Filter"].(float64)
		rows += (n["Actual Rows"].(float64) + removed) * n["Actual Loops"].(float64)
		index, _ = n["Index Name"].(string)
	}
	if kids, ok := n["Plans"].([]any); ok {
		for _, k := range kids {
			r, i := registrantRowsRead(k.(map[string]any))
			rows += r
			if i != "" {
				index = i
			}
		}
	}
	return rows, index
}
