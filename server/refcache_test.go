package main

import (
	"context"
	"strconv"
	"testing"
	"time"

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
