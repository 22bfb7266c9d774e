package main

import (
	"strings"
	"testing"
	"time"

	"launchgraph/internal/store/storetest"
)

// @defer passes validation (gqlgen's prelude declares it) but no transport sends the
// deferred parts: refused, over POST, GET and websockets, instead of nulls.
func TestDeferRefused(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db, unlimited)
	for _, q := range []string{
		`{ launches(first: 2) { edges { node { id ... @defer { title } } } } }`,
		`{ launches(first: 2) { edges { node { id ...T @defer(label: "t") } } } } fragment T on Launch { title }`,
		`{ launches(first: 2) { edges { node { id ... @defer(if: false) { title } } } } }`,
	} {
		if r := postGQL(t, srv.URL, q, nil); r.code() != "OPERATION_NOT_SUPPORTED" || len(r.Data) > 0 && string(r.Data) != "null" {
			t.Fatalf("POST %s: %+v", q, r)
		}
		c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.subscribe(t, "1", q, nil)
		m := c.next(t, 5*time.Second)
		if !strings.Contains(string(m.Payload), "OPERATION_NOT_SUPPORTED") || strings.Contains(string(m.Payload), "title") {
			t.Fatalf("websocket %s: %s %s", q, m.Type, m.Payload)
		}
	}
	// The same fields without @defer are served.
	var got struct {
		Launches struct {
			Edges []struct{ Node struct{ Title string } }
		}
	}
	mustData(t, srv.URL, `{ launches(first: 2) { edges { node { id ... { title } } } } }`, nil, &got)
	if len(got.Launches.Edges) != 2 || got.Launches.Edges[0].Node.Title == "" {
		t.Fatalf("got %+v", got)
	}
}
