package main

import (
	"context"
	"strings"
	"testing"

	"launchgraph/bench/scenario"
	"launchgraph/internal/store/storetest"
)

// A page reads one row more than it returns only when its pageInfo is asked for (to know
// whether more follow): at the root (the LIMIT in the text) and per parent (the launches
// of each region, the limit their statement is given); the pages themselves are the same,
// and hasNextPage is right when asked.
func TestPageReadsTheLookAheadRowOnlyForPageInfo(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			var log storetest.SQLLog
			db := openDialect(t, dialectName, log.Wrap)
			if _, err := scenario.Seed(context.Background(), db.Client, 12, 24); err != nil {
				t.Fatal(err)
			}
			srv, _ := testAppWithoutSender(t, db, unlimited, keysKept)
			key := adminKey(t, db)
			type launches struct {
				PageInfo struct{ HasNextPage bool }
				Edges    []struct{ Node struct{ Title string } }
			}
			var plain, paged struct {
				Launches launches
				Regions  struct {
					Edges []struct{ Node struct{ Launches launches } }
				}
			}
			const q = `{ launches(first: 5) { %s edges { node { title } } }
				regions(first: 6) { edges { node { launches(first: 1) { %s edges { node { title } } } } } } }`
			log.Take()
			dataAs(t, srv.URL, key, strings.ReplaceAll(q, "%s", ""), nil, &plain)
			without := strings.Join(log.Take(), "\n")
			dataAs(t, srv.URL, key, strings.ReplaceAll(q, "%s", "pageInfo { hasNextPage }"), nil, &paged)
			with := strings.Join(log.Take(), "\n")

			root := func(log string) string { return statementOn(log, "launches", "LIMIT", "!region_id") }
			if r := root(without); !strings.Contains(r, "LIMIT 5 ") {
				t.Errorf("without pageInfo the root page reads other than 5 rows:\n%s", r)
			}
			if r := root(with); !strings.Contains(r, "LIMIT 6 ") {
				t.Errorf("with pageInfo the root page does not read 6 rows:\n%s", r)
			}
			if len(plain.Launches.Edges) != 5 || len(paged.Launches.Edges) != 5 || !paged.Launches.PageInfo.HasNextPage {
				t.Errorf("root pages: %d and %d launches, hasNextPage %v", len(plain.Launches.Edges), len(paged.Launches.Edges), paged.Launches.PageInfo.HasNextPage)
			}
			if len(plain.Regions.Edges) != 6 || len(paged.Regions.Edges) != 6 {
				t.Fatalf("regions: %d and %d", len(plain.Regions.Edges), len(paged.Regions.Edges))
			}
			for i, e := range paged.Regions.Edges {
				p, l := plain.Regions.Edges[i].Node.Launches, e.Node.Launches
				if len(p.Edges) != 1 || len(l.Edges) != 1 || p.Edges[0].Node.Title != l.Edges[0].Node.Title || !l.PageInfo.HasNextPage {
					t.Errorf("region %d: launches %+v without pageInfo, %+v with it (two per region: hasNextPage)", i, p, l)
				}
			}
			// The per-parent limit: a LATERAL's LIMIT on PostgreSQL, the row number's bound (the
			// statement's last argument) on SQLite.
			perParent := func(log string, n string) bool {
				st := statementOn(log, "launches", "region_id")
				if dialectName == "postgres" {
					return strings.Contains(st, "LIMIT "+n+")")
				}
				return strings.HasSuffix(st, " "+n+"]")
			}
			if !perParent(without, "1") {
				t.Errorf("without pageInfo the launches of a region read other than 1 row each:\n%s", statementOn(without, "launches", "region_id"))
			}
			if !perParent(with, "2") {
				t.Errorf("with pageInfo the launches of a region do not read 2 rows each:\n%s", statementOn(with, "launches", "region_id"))
			}
		})
	}
}

// statementOn is the first logged statement mentioning all of parts ("!x": not x).
func statementOn(log string, parts ...string) string {
	for _, s := range strings.Split(log, "\n") {
		ok := true
		for _, p := range parts {
			if not, found := strings.CutPrefix(p, "!"); found {
				ok = ok && !strings.Contains(s, not)
			} else {
				ok = ok && strings.Contains(s, p)
			}
		}
		if ok {
			return s
		}
	}
	return ""
}
