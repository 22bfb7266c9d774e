package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"launchgraph/internal/store/storetest"
)

// nest returns a query n levels deep (its leaf field included): regions → launches →
// region → launches → …
func nest(n int) string {
	n--
	var b strings.Builder
	b.WriteString("{ regions(first: 1) { edges { node { code ")
	open := 4
	for i := 1; i < n; i++ {
		if i%2 == 1 {
			b.WriteString("launches(first: 1) { edges { node { id ")
			open += 3
		} else {
			b.WriteString("region { code ")
			open++
		}
	}
	b.WriteString(strings.Repeat("} ", open))
	return b.String()
}

func aliases(n int) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: __typename ", i)
	}
	b.WriteString("}")
	return b.String()
}

func TestHostileQueriesAreRejected(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db)
	tests := []struct {
		name, query, code string
	}{
		{"depth 12 is fine", nest(12), ""},
		{"depth 13", nest(13), "DEPTH_LIMIT_EXCEEDED"},
		{"depth 100", nest(100), "DEPTH_LIMIT_EXCEEDED"},
		{"30 aliases is fine", aliases(30), ""},
		{"31 aliases", aliases(31), "ALIAS_LIMIT_EXCEEDED"},
		{"1,000 aliases", aliases(1000), "ALIAS_LIMIT_EXCEEDED"},
		{"huge token count", "{ " + strings.Repeat("regions { totalCount } ", 3000) + "}", "GRAPHQL_PARSE_FAILED"},
		{"first: 1000000", `{ launches(first: 1000000) { totalCount } }`, "BAD_USER_INPUT"},
		{"costly fan-out", `{ regions(first: 100) { edges { node { launches(first: 100) { edges { node { sessions(first: 100) { edges { node { id } } } } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"the acceptance query fits", launchesQuery, ""},
		{"count-only connections are cheap", `{ regions(first: 100) { edges { node { launches { totalCount } } } } }`, ""},
		// Issue 12.5: ordinary pages fit the anonymous budget.
		{"a launch page with programme, speakers and seats", `{ launches(first: 1) { edges { node {
			title description startsAt endsAt timezone venue region { name } format { name }
			seats { capacity confirmed remaining } objectives { edges { node { text } } }
			sessions { edges { node { title kind startsAt endsAt room speakers { edges { node { name title affiliation } } } } } } } } } }`, ""},
		{"20 launches with region and format", `{ launches(first: 20) { totalCount edges { node { id slug title startsAt region { code name } format { kind name } } } } }`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp := postGQL(t, srv.URL, tt.query, nil)
			if got := resp.code(); got != tt.code {
				t.Fatalf("code %q (errors %+v), want %q", got, resp.Errors, tt.code)
			}
			if d := time.Since(start); tt.code != "" && d > time.Second {
				t.Errorf("rejection took %v", d)
			}
		})
	}
	// The server is healthy afterwards.
	var got launchesResult
	mustData(t, srv.URL, launchesQuery, nil, &got)
	if got.Launches.TotalCount != 5 {
		t.Fatalf("after hostile queries: %d launches", got.Launches.TotalCount)
	}
}

func TestIntrospectionOff(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db, func(c *config) { c.Introspection = false })
	tests := []struct {
		name, query string
	}{
		{"schema", `{ __schema { types { name } } }`},
		{"type", `{ __type(name: "Launch") { fields { name } } }`},
		{"field typo", `{ launchs { totalCount } }`},
		{"argument typo", `{ launches(frist: 1) { totalCount } }`},
		{"enum typo", `{ launches(where: {status: PUBLISHD}) { totalCount } }`},
		{"type typo", `query($w: LaunchWhereInpt) { launches(where: $w) { totalCount } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := postGQL(t, srv.URL, tt.query, nil)
			if len(resp.Errors) == 0 {
				t.Fatalf("no error; data %s", resp.Data)
			}
			for _, e := range resp.Errors {
				if strings.Contains(e.Message, "Did you mean") {
					t.Fatalf("suggestion leaks the schema: %q", e.Message)
				}
			}
		})
	}
	// __typename stays available; ordinary queries work.
	var got struct {
		Typename string `json:"__typename"`
	}
	mustData(t, srv.URL, `{ __typename }`, nil, &got)
	if got.Typename != "Query" {
		t.Fatalf("__typename = %q", got.Typename)
	}
}

// Issues 17.11 and 12.8: with introspection off, introspecting is a coded refusal logged
// at info, and the schema and GraphiQL are not served (to anyone but admins).
func TestIntrospectionOffIsCoded(t *testing.T) {
	var log bytes.Buffer
	db := seeded(t, storetest.SQLite(t))
	srv := testServerLogging(t, db, &log, func(c *config) { c.Env, c.Introspection = "production", false })
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`{ ... on Query { __type(name: "Launch") { name } } }`,
		`{ ...f } fragment f on Query { __schema { queryType { name } } }`,
	} {
		status, raw := sendGQL(t, srv.URL, "", q, nil)
		if status != http.StatusOK || !strings.Contains(string(raw), `"code":"FORBIDDEN"`) {
			t.Fatalf("%s: %d %s, want FORBIDDEN", q, status, raw)
		}
	}
	if strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), `level=INFO msg="graphql: introspection refused"`) {
		t.Fatalf("log:\n%s", log.String())
	}
	admin := adminKey(t, db)
	dataAs(t, srv.URL, admin, `{ __schema { queryType { name } } }`, nil, nil)
	for _, path := range []string{"/schema.graphql", "/"} {
		if r, raw := get(t, srv.URL+path); r.StatusCode != http.StatusNotFound {
			t.Errorf("anonymous GET %s: %d %.100s, want 404", path, r.StatusCode, raw)
		}
		if r, raw := get(t, srv.URL+path, bearer(admin)...); r.StatusCode != http.StatusOK {
			t.Errorf("admin GET %s: %d %.100s, want 200", path, r.StatusCode, raw)
		}
	}
}
