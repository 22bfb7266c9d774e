package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/bench/scenario"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// launchRefs is scenario A's answer with the names of the region and format.
const launchRefs = `query($id: ID!) { node(id: $id) { ... on Launch { region { id code name } format { id name } } } }`

type launchRefsData struct {
	Node struct {
		Region struct{ ID, Code, Name string }
		Format struct{ ID, Name string }
	}
}

// rename renames the region and format over the admin API of srv.
func rename(t *testing.T, url, key string, d launchRefsData, suffix string) {
	t.Helper()
	dataAs(t, url, key, `mutation($r: ID!, $f: ID!, $rn: String!, $fn: String!) {
		updateRegion(id: $r, input: {name: $rn}) { id }
		updateFormat(id: $f, input: {name: $fn}) { id } }`,
		map[string]any{"r": d.Node.Region.ID, "f": d.Node.Format.ID, "rn": "Region " + suffix, "fn": "Format " + suffix}, nil)
}

// Issue 13.2: a launch's region and format come from the reference-row cache, and a
// rename through the API is seen by the next read of the same server at once, on both
// stores.
func TestRefCacheSeesOwnRename(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ds, err := scenario.Seed(context.Background(), db.Client, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		srv := testServer(t, db, unlimited)
		key := adminKey(t, db)
		vars := map[string]any{"id": strconv.Itoa(ds.LaunchIDs[0])}
		var before, after launchRefsData
		mustData(t, srv.URL, launchRefs, vars, &before)
		if before.Node.Region.Code != scenario.Regions[0].Code || before.Node.Region.Name != scenario.Regions[0].Name {
			t.Fatalf("before: %+v", before.Node)
		}
		rename(t, srv.URL, key, before, "renamed")
		mustData(t, srv.URL, launchRefs, vars, &after)
		if after.Node.Region.Name != "Region renamed" || after.Node.Format.Name != "Format renamed" {
			t.Fatalf("after the rename: %+v", after.Node)
		}
	})
}

// Issue 13.2: a rename on one replica reaches the other's reference-row cache within one
// second (two servers on one PostgreSQL database: LISTEN/NOTIFY).
func TestRefCacheSeesOtherReplicasRename(t *testing.T) {
	dbA, dbB := storetest.PostgresPair(t)
	ds, err := scenario.Seed(context.Background(), dbA.Client, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := testServer(t, dbA, unlimited), testServer(t, dbB, unlimited)
	key := adminKey(t, dbA)
	vars := map[string]any{"id": strconv.Itoa(ds.LaunchIDs[0])}
	var before launchRefsData
	mustData(t, b.URL, launchRefs, vars, &before) // b caches the rows
	mustData(t, b.URL, launchRefs, vars, &before)
	rename(t, a.URL, key, before, "from A")
	start := time.Now()
	for {
		var got launchRefsData
		mustData(t, b.URL, launchRefs, vars, &got)
		if got.Node.Region.Name == "Region from A" && got.Node.Format.Name == "Format from A" {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("replica B still answers %+v after %s", got.Node, time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the rename reached replica B in %s", time.Since(start))
}

// A region's connections under a launch's region are read for the whole page at once —
// the cached region rows carry no edges — with each region's own launches, on both
// stores: launches, then the regions with their launches (one statement each), not one
// statement per launch.
func TestRegionEdgesUnderLaunchesBatched(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			drv := new(countingDriver)
			db := openDialect(t, dialectName, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
			})
			if _, err := scenario.Seed(context.Background(), db.Client, readLaunches, 0); err != nil {
				t.Fatal(err)
			}
			srv, _ := testAppWithoutSender(t, db, unlimited, keysKept)
			const q = `{ launches(first: 12, orderBy: [{field: ID}]) { edges { node { id
				region { code launches(first: 5, orderBy: [{field: ID}]) { totalCount edges { node { id region { code } } } } }
				format { kind launches(first: 1) { totalCount } } } } } }`
			var got struct {
				Launches struct {
					Edges []struct {
						Node struct {
							ID     string
							Region struct {
								Code     string
								Launches struct {
									TotalCount int
									Edges      []struct {
										Node struct {
											ID     string
											Region struct{ Code string }
										}
									}
								}
							}
							Format struct {
								Kind     string
								Launches struct{ TotalCount int }
							}
						}
					}
				}
			}
			mustData(t, srv.URL, q, nil, nil) // warms the reference rows
			settle(drv)
			drv.n.Store(0)
			mustData(t, srv.URL, q, nil, &got)
			// launches; regions and their launches with the count; formats and their count.
			if n := drv.n.Load(); n > 6 {
				t.Errorf("%d statements, want at most 6 (one per launch before)", n)
			} else {
				t.Logf("%d statements", n)
			}
			edges := got.Launches.Edges
			if len(edges) != readLaunches {
				t.Fatalf("%d launches", len(edges))
			}
			perRegion := readLaunches / len(scenario.Regions)
			for _, e := range edges {
				r := e.Node.Region
				if r.Launches.TotalCount != perRegion || len(r.Launches.Edges) != perRegion {
					t.Fatalf("launch %s: region %s has %d launches (%d edges), want %d", e.Node.ID, r.Code, r.Launches.TotalCount, len(r.Launches.Edges), perRegion)
				}
				found := false
				for _, l := range r.Launches.Edges {
					found = found || l.Node.ID == e.Node.ID
					if l.Node.Region.Code != r.Code {
						t.Fatalf("region %s lists launch %s of region %s", r.Code, l.Node.ID, l.Node.Region.Code)
					}
				}
				if !found {
					t.Fatalf("launch %s not among its region %s's launches", e.Node.ID, r.Code)
				}
				if e.Node.Format.Kind == "" || e.Node.Format.Launches.TotalCount == 0 {
					t.Fatalf("launch %s: format %+v", e.Node.ID, e.Node.Format)
				}
			}
		})
	}
}
