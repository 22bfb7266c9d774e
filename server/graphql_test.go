package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"launchgraph/ent"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// The acceptance query of the foundation issue.
const launchesQuery = `{
  regions(first: 10) { totalCount }
  launches(first: 20, orderBy: [{field: STARTS_AT, direction: ASC}]) {
    totalCount
    edges { node { id title startsAt timezone region { code } format { kind } objectives { totalCount } } }
  }
}`

type launchesResult struct {
	Regions  struct{ TotalCount int }
	Launches struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID         string
				Title      string
				StartsAt   string
				Timezone   string
				Region     struct{ Code string }
				Format     struct{ Kind string }
				Objectives struct{ TotalCount int }
			}
		}
	}
}

func TestSeededLaunches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		var got launchesResult
		mustData(t, srv.URL, launchesQuery, nil, &got)
		if got.Regions.TotalCount != 6 {
			t.Errorf("regions totalCount = %d, want 6", got.Regions.TotalCount)
		}
		want := []struct{ region, kind, startsAt, tz string }{
			{"AMS", "REGIONAL_LAUNCH", "2020-10-19T04:00:00Z", "America/New_York"},
			{"AFR", "TRAINING", "2020-10-25T21:00:00Z", "Africa/Addis_Ababa"},
			{"CIS", "ONE_DAY_FORUM", "2020-10-27T07:00:00Z", "Europe/Moscow"},
			{"ARB", "ONLINE_DIALOGUE", "2020-11-23T09:00:00Z", "Africa/Cairo"},
			{"EUR", "REGIONAL_LAUNCH", "2020-11-25T22:00:00Z", "Europe/Kyiv"},
		}
		if got.Launches.TotalCount != len(want) || len(got.Launches.Edges) != len(want) {
			t.Fatalf("launches = %d (%d edges), want %d", got.Launches.TotalCount, len(got.Launches.Edges), len(want))
		}
		for i, w := range want {
			n := got.Launches.Edges[i].Node
			if n.Region.Code != w.region || n.Format.Kind != w.kind || n.StartsAt != w.startsAt || n.Timezone != w.tz {
				t.Errorf("launch %d = %s %s %s %s, want %s %s %s %s", i, n.Region.Code, n.Format.Kind, n.StartsAt, n.Timezone, w.region, w.kind, w.startsAt, w.tz)
			}
			if n.Objectives.TotalCount != 5 {
				t.Errorf("launch %s objectives = %d, want 5", n.Region.Code, n.Objectives.TotalCount)
			}
		}
	})
}

func TestNodeRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		var list struct {
			Launches struct {
				Edges []struct{ Node struct{ ID, Slug string } }
			}
			Regions struct {
				Edges []struct{ Node struct{ ID, Code string } }
			}
			Sessions struct {
				Edges []struct{ Node struct{ ID, Title string } }
			}
		}
		mustData(t, srv.URL, `{ launches(where: {slug: "cis-2020"}) { edges { node { id slug } } }
			regions(where: {code: "EUR"}) { edges { node { id code } } }
			sessions(first: 1, orderBy: [{field: POSITION}]) { edges { node { id title } } } }`, nil, &list)
		if len(list.Launches.Edges) != 1 || len(list.Regions.Edges) != 1 || len(list.Sessions.Edges) != 1 {
			t.Fatalf("setup lists: %+v", list)
		}
		launchID, regionID, sessionID := list.Launches.Edges[0].Node.ID, list.Regions.Edges[0].Node.ID, list.Sessions.Edges[0].Node.ID

		var node struct {
			Node  map[string]any
			Nodes []map[string]any
		}
		mustData(t, srv.URL, `query($id: ID!, $ids: [ID!]!) {
			node(id: $id) { __typename id ... on Launch { slug timezone } }
			nodes(ids: $ids) { __typename id ... on Region { code } ... on Session { title } }
		}`, map[string]any{"id": launchID, "ids": []string{regionID, sessionID}}, &node)
		if node.Node["__typename"] != "Launch" || node.Node["id"] != launchID || node.Node["slug"] != "cis-2020" || node.Node["timezone"] != "Europe/Moscow" {
			t.Errorf("node = %v", node.Node)
		}
		if len(node.Nodes) != 2 || node.Nodes[0]["code"] != "EUR" || node.Nodes[1]["__typename"] != "Session" || node.Nodes[1]["id"] != sessionID {
			t.Errorf("nodes = %v", node.Nodes)
		}

		// A well-formed id of no row, and a malformed one.
		resp := postGQL(t, srv.URL, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "4294967999"})
		if string(resp.Data) != `{"node":null}` || resp.code() != "NOT_FOUND" {
			t.Errorf("missing node: data %s errors %+v, want null and NOT_FOUND", resp.Data, resp.Errors)
		}
		resp = postGQL(t, srv.URL, `{ node(id: "abc") { id } }`, nil)
		if resp.code() != "BAD_USER_INPUT" && resp.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("malformed id: errors %+v, want BAD_USER_INPUT", resp.Errors)
		}
	})
}

func TestPaginationAcrossPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		const q = `query($after: Cursor, $before: Cursor, $first: Int, $last: Int) {
			launches(after: $after, before: $before, first: $first, last: $last, orderBy: [{field: STARTS_AT}]) {
				totalCount
				pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
				edges { cursor node { slug } }
			}
		}`
		type page struct {
			Launches struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       *string
				}
				Edges []struct{ Node struct{ Slug string } }
			}
		}
		var slugs []string
		vars := map[string]any{"first": 2}
		for i := 0; ; i++ {
			var p page
			mustData(t, srv.URL, q, vars, &p)
			if p.Launches.TotalCount != 5 {
				t.Fatalf("totalCount = %d, want 5", p.Launches.TotalCount)
			}
			for _, e := range p.Launches.Edges {
				slugs = append(slugs, e.Node.Slug)
			}
			if !p.Launches.PageInfo.HasNextPage {
				break
			}
			if i > 5 {
				t.Fatal("pagination does not end")
			}
			vars = map[string]any{"first": 2, "after": *p.Launches.PageInfo.EndCursor}
		}
		want := "americas-2020 africa-2020 cis-2020 arab-states-2020 europe-2020"
		if got := strings.Join(slugs, " "); got != want {
			t.Fatalf("forward pages = %s, want %s", got, want)
		}

		// Backwards: the last two, then the two before them.
		var last page
		mustData(t, srv.URL, q, map[string]any{"last": 2}, &last)
		if len(last.Launches.Edges) != 2 || last.Launches.Edges[1].Node.Slug != "europe-2020" || !last.Launches.PageInfo.HasPreviousPage {
			t.Fatalf("last page = %+v", last.Launches)
		}
		var prev page
		mustData(t, srv.URL, q, map[string]any{"last": 2, "before": *last.Launches.PageInfo.StartCursor}, &prev)
		if len(prev.Launches.Edges) != 2 || prev.Launches.Edges[0].Node.Slug != "africa-2020" || prev.Launches.Edges[1].Node.Slug != "cis-2020" {
			t.Fatalf("page before = %+v", prev.Launches.Edges)
		}
	})
}

func TestFiltersAndOrdering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		tests := []struct {
			name  string
			query string
			want  string
		}{
			{"edge filter", `{ launches(where: {hasRegionWith: {code: "CIS"}}) { edges { node { slug } } } }`, "cis-2020"},
			{"nested edge filter", `{ launches(where: {hasFormatWith: {kindIn: [ONE_DAY_FORUM, REGIONAL_LAUNCH]}}, orderBy: [{field: SLUG}]) { edges { node { slug } } } }`, "americas-2020 cis-2020 europe-2020"},
			{"time filter", `{ launches(where: {startsAtGTE: "2020-11-01T00:00:00Z"}, orderBy: [{field: STARTS_AT, direction: DESC}]) { edges { node { slug } } } }`, "europe-2020 arab-states-2020"},
			{"or", `{ launches(where: {or: [{slug: "cis-2020"}, {hasRegionWith: {code: "AFR"}}]}, orderBy: [{field: SLUG}]) { edges { node { slug } } } }`, "africa-2020 cis-2020"},
			{"has sessions", `{ launches(where: {hasSessions: true}, orderBy: [{field: SLUG}]) { edges { node { slug } } } }`, "africa-2020 cis-2020"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got struct {
					Launches struct {
						Edges []struct{ Node struct{ Slug string } }
					}
				}
				mustData(t, srv.URL, tt.query, nil, &got)
				var slugs []string
				for _, e := range got.Launches.Edges {
					slugs = append(slugs, e.Node.Slug)
				}
				if s := strings.Join(slugs, " "); s != tt.want {
					t.Fatalf("got %q, want %q", s, tt.want)
				}
			})
		}

		// Multi-field ordering: status, then title descending.
		var got struct {
			Launches struct {
				Edges []struct{ Node struct{ Title string } }
			}
		}
		mustData(t, srv.URL, `{ launches(orderBy: [{field: STATUS}, {field: TITLE, direction: DESC}]) { edges { node { title } } } }`, nil, &got)
		var titles []string
		for _, e := range got.Launches.Edges {
			titles = append(titles, e.Node.Title)
		}
		for i := 1; i < len(titles); i++ {
			if titles[i-1] < titles[i] {
				t.Fatalf("titles not descending within one status: %q", titles)
			}
		}
		if len(titles) != 5 {
			t.Fatalf("got %d launches, want 5", len(titles))
		}
	})
}

func TestInputErrorsAreCoded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		tests := []struct {
			name, query, code string
		}{
			{"first above 100", `{ launches(first: 101) { totalCount } }`, "BAD_USER_INPUT"},
			{"last above 100", `{ speakers(last: 1000000) { totalCount } }`, "BAD_USER_INPUT"},
			{"negative first", `{ regions(first: -1) { totalCount } }`, "BAD_USER_INPUT"},
			{"nested first above 100", `{ regions(first: 1) { edges { node { launches(first: 500) { totalCount } } } } }`, "BAD_USER_INPUT"},
			{"first and last", `{ regions(first: 1, last: 1) { totalCount } }`, "BAD_USER_INPUT"},
			{"bad cursor", `{ regions(after: "not-a-cursor") { totalCount } }`, "BAD_USER_INPUT"},
			{"bad time", `{ launches(where: {startsAtGT: "yesterday"}) { totalCount } }`, "BAD_USER_INPUT"},
			{"unknown field", `{ launches { nope } }`, "GRAPHQL_VALIDATION_FAILED"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := postGQL(t, srv.URL, tt.query, nil)
				if resp.code() != tt.code {
					t.Fatalf("errors %+v, want code %s", resp.Errors, tt.code)
				}
				for _, e := range resp.Errors {
					if strings.Contains(e.Message, "pq:") || strings.Contains(e.Message, "SQL") {
						t.Fatalf("driver text leaked: %q", e.Message)
					}
				}
			})
		}
		// first: 101 through a variable is refused too.
		resp := postGQL(t, srv.URL, `query($n: Int) { launches(first: $n) { totalCount } }`, map[string]any{"n": 101})
		if resp.code() != "BAD_USER_INPUT" {
			t.Fatalf("variable first=101: %+v", resp.Errors)
		}
	})
}

func TestDefaultPageSize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var speakers []*ent.Speaker
		for i := range 130 {
			sp, err := db.Client.Speaker.Create().SetName(fmt.Sprintf("Speaker %03d", i)).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			speakers = append(speakers, sp)
		}
		// The public sees speakers of a published programme only.
		publishedSession(t, db.Client).Update().AddSpeakers(speakers...).ExecX(ctx)
		srv := testServer(t, db)
		var got struct {
			Speakers struct {
				TotalCount int
				PageInfo   struct{ HasNextPage bool }
				Edges      []struct{ Node struct{ Name string } }
			}
		}
		mustData(t, srv.URL, `{ speakers(orderBy: [{field: NAME}]) { totalCount pageInfo { hasNextPage } edges { node { name } } } }`, nil, &got)
		if got.Speakers.TotalCount != 130 || len(got.Speakers.Edges) != 100 || !got.Speakers.PageInfo.HasNextPage {
			t.Fatalf("totalCount %d, edges %d, hasNextPage %v; want 130, 100, true", got.Speakers.TotalCount, len(got.Speakers.Edges), got.Speakers.PageInfo.HasNextPage)
		}
		if got.Speakers.Edges[99].Node.Name != "Speaker 099" {
			t.Fatalf("last edge = %s, want Speaker 099", got.Speakers.Edges[99].Node.Name)
		}
	})
}

func TestOperationalEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		tests := []struct {
			path, want string
			status     int
		}{
			{"/healthz", "ok", http.StatusOK},
			{"/readyz", "ready", http.StatusOK},
			{"/schema.graphql", "type Launch implements Node", http.StatusOK},
			{"/", "graphiql", http.StatusOK},
		}
		for _, tt := range tests {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tt.want)) {
				t.Errorf("GET %s = %d %.80q, want %d containing %q", tt.path, resp.StatusCode, body, tt.status, tt.want)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Errorf("GET %s: no X-Request-Id", tt.path)
			}
		}
		// A query over GET works; a mutation over GET does not.
		resp, err := http.Get(srv.URL + "/graphql?query=" + urlQuery(`{ regions { totalCount } }`))
		if err != nil {
			t.Fatal(err)
		}
		var out gqlResponse
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(out.Errors) > 0 {
			t.Fatalf("GET query: %d %+v", resp.StatusCode, out.Errors)
		}
	})
}

func urlQuery(q string) string { return url.QueryEscape(q) }
