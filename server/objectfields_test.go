package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// Errors under fields resolved by the executor's fast paths for object fields (edges,
// nodes: graph/fastexec.go, objectField) are where gqlgen puts them: at the path through
// the list's index and the edge's node, with the node nulled and the rest of the page
// written.
func TestErrorPathsUnderPlainObjectFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		regLaunch(t, db)
		regLaunch(t, db)
		resp := postGQL(t, srv.URL, `{ launches(first: 2) { edges { cursor node { id registrationStats { total } } } } }`, nil)
		if len(resp.Errors) != 2 {
			t.Fatalf("errors %+v, want one per launch", resp.Errors)
		}
		paths := map[string]bool{} // the launches' fields run concurrently: errors in any order
		for _, e := range resp.Errors {
			paths[fmt.Sprint(e.Path)] = true
		}
		for i := range 2 {
			if want := fmt.Sprint([]any{"launches", "edges", float64(i), "node", "registrationStats"}); !paths[want] {
				t.Errorf("no error at %s: %+v", want, resp.Errors)
			}
		}
		var data struct {
			Launches struct {
				Edges []struct {
					Cursor string
					Node   *struct {
						ID                string
						RegistrationStats *struct{ Total int }
					}
				}
			}
		}
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			t.Fatal(err)
		}
		if len(data.Launches.Edges) != 2 {
			t.Fatalf("data %s", resp.Data)
		}
		for _, e := range data.Launches.Edges {
			if e.Cursor == "" || e.Node == nil || e.Node.ID == "" || e.Node.RegistrationStats != nil {
				t.Errorf("edge %+v: want a cursor, a node and null registrationStats (data %s)", e, resp.Data)
			}
		}
	})
}
