package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// hostileCase is one request of the attack shapes of issue 17, and the code it must get.
type hostileCase struct {
	name, query string
	vars        map[string]any
	code        string
	// errors, when > 0, is the exact number of errors the reply must hold.
	errors int
}

// sameName returns n fields of one response name with different arguments.
func sameName(n int) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "launches(first: %d) { totalCount } ", i%100)
	}
	b.WriteString("}")
	return b.String()
}

// inlineSameName is sameName with each field in an inline fragment of its own.
func inlineSameName(n int) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "... on Query { launches(first: %d) { totalCount } } ", i%100)
	}
	b.WriteString("}")
	return b.String()
}

// manyFragments spreads n fragments, each selecting the same field with other arguments.
func manyFragments(n int) string {
	var spreads, defs strings.Builder
	for i := range n {
		fmt.Fprintf(&spreads, "...f%d ", i)
		fmt.Fprintf(&defs, "fragment f%d on Query { launches(first: %d) { totalCount } } ", i, i%100)
	}
	return "{ " + spreads.String() + "} " + defs.String()
}

// runHostile sends each case anonymously to a production-mode server on SQLite and checks
// that it is refused with its code, in bounded CPU, reply size and memory.
func runHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	runHostileOn(t, storetest.SQLite(t), cases)
}

// runHostileOn is runHostile on db.
func runHostileOn(t *testing.T, db *store.DB, cases []hostileCase) {
	t.Helper()
	seeded(t, db)
	srv := testServer(t, db, func(c *config) { c.Env, c.Introspection = "production", false })
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var raw []byte
			c := measure(t, func() { _, raw = sendGQL(t, srv.URL, "", tt.query, tt.vars) })
			var resp gqlResponse
			if err := json.Unmarshal(raw, &resp); err != nil {
				t.Fatalf("reply is not JSON (%d bytes): %.200s", len(raw), raw)
			}
			if got := resp.code(); got != tt.code {
				t.Fatalf("code %q, want %q; first errors %.300s", got, tt.code, raw)
			}
			if tt.errors > 0 && len(resp.Errors) != tt.errors {
				t.Errorf("%d errors, want %d", len(resp.Errors), tt.errors)
			}
			if len(raw) > hostileReply {
				t.Errorf("reply of %d bytes, more than %d", len(raw), hostileReply)
			}
			c.within(t, tt.name)
			t.Logf("request %d bytes, reply %d bytes, %d errors, CPU %v, RSS +%.1f MB", len(tt.query), len(raw), len(resp.Errors), c.cpu, float64(c.rss)/(1<<20))
		})
	}
	// The server still answers ordinary queries.
	var got launchesResult
	mustData(t, srv.URL, launchesQuery, nil, &got)
	if got.Launches.TotalCount != 5 {
		t.Fatalf("after hostile requests: %d launches", got.Launches.TotalCount)
	}
}

// Issue 17.1 and 17.10: validation errors are bounded.
func TestValidationAmplification(t *testing.T) {
	runHostile(t, []hostileCase{
		{name: "1,100 same-name fields", query: sameName(1100), code: "GRAPHQL_VALIDATION_FAILED", errors: 1},
		{name: "700 same-name fields in inline fragments", query: inlineSameName(700), code: "GRAPHQL_VALIDATION_FAILED", errors: 1},
		{name: "500 fragments spread in one set", query: manyFragments(500), code: "GRAPHQL_VALIDATION_FAILED", errors: 1},
		{name: "100 same-name fields", query: sameName(100), code: "GRAPHQL_VALIDATION_FAILED", errors: 101},
		{name: "1,000 repeated @include", query: "{ __typename" + strings.Repeat(" @include(if: true)", 1000) + " }", code: "GRAPHQL_VALIDATION_FAILED", errors: 101},
		{name: "1,000 unknown fields in 10 sets", query: "{ " + strings.Repeat("regions { "+strings.Repeat("nope ", 100)+"} ", 10) + "}", code: "GRAPHQL_VALIDATION_FAILED", errors: 101},
	})
}

// fragmentLevels returns an operation of n fragments, each spreading the next twice: an
// exponential number of spreads in a few hundred bytes.
func fragmentLevels(n int) string {
	var b strings.Builder
	b.WriteString("{ ...f0 } ")
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment f%d on Query { ...f%d ...f%d } ", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment f%d on Query { regions(first: 1) { totalCount } }", n-1)
	return b.String()
}

// Issue 17.2: fragments are measured once each.
func TestFragmentLevels(t *testing.T) {
	runHostile(t, []hostileCase{
		{name: "27 fragment levels", query: fragmentLevels(27), code: "COMPLEXITY_LIMIT_EXCEEDED", errors: 1},
		{name: "40 fragment levels", query: fragmentLevels(40), code: "COMPLEXITY_LIMIT_EXCEEDED", errors: 1},
	})
}

// deepFilter is a launches filter n edges deep: launch → region → launches → region …,
// as a GraphQL literal and as a variable value.
func deepFilter(n int) (literal string, value map[string]any) {
	key := func(i int) string {
		if i%2 == 0 {
			return "hasRegionWith"
		}
		return "hasLaunchesWith"
	}
	leaf, field := `{slugNEQ: "none"}`, "slugNEQ"
	if n%2 == 1 { // the innermost object is a region
		leaf, field = `{codeNEQ: "none"}`, "codeNEQ"
	}
	value = map[string]any{field: "none"}
	for i := n - 1; i >= 0; i-- {
		value = map[string]any{key(i): []any{value}}
	}
	for i := range n {
		literal += "{" + key(i) + ": ["
	}
	return literal + leaf + strings.Repeat("]}", n), value
}

// Issue 17.3: filters are bounded in depth and breadth.
func TestDeepFilters(t *testing.T) {
	const byVariable = `query($w: LaunchWhereInput) { launches(where: $w) { totalCount } }`
	lit50, var50 := deepFilter(50)
	lit500, var500 := deepFilter(500)
	wide := "{or: [" + strings.Repeat(`{slug: "x"} `, 150) + "]}"
	cases := []hostileCase{
		{name: "50 deep", query: "{ launches(where: " + lit50 + ") { totalCount } }", code: "DEPTH_LIMIT_EXCEEDED", errors: 1},
		// The parser stops at 1,000 nested brackets before the filter limit looks.
		{name: "500 deep", query: "{ launches(where: " + lit500 + ") { totalCount } }", code: "GRAPHQL_PARSE_FAILED", errors: 1},
		{name: "50 deep in a variable", query: byVariable, vars: map[string]any{"w": var50}, code: "DEPTH_LIMIT_EXCEEDED", errors: 1},
		{name: "500 deep in a variable", query: byVariable, vars: map[string]any{"w": var500}, code: "DEPTH_LIMIT_EXCEEDED", errors: 1},
		{name: "150 conditions", query: "{ launches(where: " + wide + ") { totalCount } }", code: "COMPLEXITY_LIMIT_EXCEEDED", errors: 1},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { runHostileOn(t, openDialect(t, name), cases) })
	}
}

// Issue 17.3: anonymous queries get a shorter deadline than keys and mutations.
func TestAnonymousReadTimeout(t *testing.T) {
	db := seeded(t, storetest.Postgres(t))
	srv := testServer(t, db, func(c *config) { c.OperationTimeout, c.AnonymousReadTimeout = 10*time.Second, time.Microsecond })
	const query = `{ launches { totalCount } }`
	status, raw := sendGQL(t, srv.URL, "", query, nil)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(raw), `"code":"UNAVAILABLE"`) {
		t.Fatalf("anonymous: %d %s, want 503 UNAVAILABLE", status, raw)
	}
	var got launchesResult
	dataAs(t, srv.URL, adminKey(t, db), query, nil, &got)
	if got.Launches.TotalCount != 5 {
		t.Fatalf("admin: %d launches", got.Launches.TotalCount)
	}
	l := regLaunch(t, db)
	var reg registerData
	mustData(t, srv.URL, registerMutation, map[string]any{"input": regInput(l.ID, "timeout@example.org")}, &reg)
	if reg.Register.ManageToken == "" {
		t.Fatal("anonymous register got no token")
	}
}

// Issue 17.10 and 11.12: a request error gets a coded error without data and no stack in
// the log: a document that does not parse or validate, or variables that do not coerce,
// get 200 under application/json and 400 under application/graphql-response+json; a body
// that is not a GraphQL request at all (JSON that does not parse, parameters of the wrong
// type) gets 400 under both, as the GraphQL-over-HTTP spec's SHOULD for JSON parsing
// failures says (and its graphql-http audit checks).
func TestMalformedRequests(t *testing.T) {
	var log bytes.Buffer
	db := seeded(t, storetest.SQLite(t))
	srv := testServerLogging(t, db, &log, func(c *config) { c.Env, c.Introspection = "production", false })
	deep := strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000)
	tests := []struct{ name, body, code string }{ // BAD_USER_INPUT: not a GraphQL request
		{"not JSON", `{"query":`, "BAD_USER_INPUT"},
		{"variables 20,000 deep", `{"query":"{ __typename }","variables":` + deep + `}`, "BAD_USER_INPUT"},
		{"query not a string", `{"query":1}`, "BAD_USER_INPUT"},
		{"variables not an object", `{"query":"{ __typename }","variables":"x"}`, "BAD_USER_INPUT"},
		{"empty body", ``, "BAD_USER_INPUT"},
		{"no query", `{"qeury":"{ __typename }"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"does not parse", `{"query":"{"}`, "GRAPHQL_PARSE_FAILED"},
		{"does not validate", `{"query":"{ nope }"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"bad variable", `{"query":"query($n: Int) { launches(first: $n) { totalCount } }","variables":{"n":"x"}}`, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			t.Run(tt.name+" "+accept, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(tt.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", accept)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := http.StatusOK
				if accept != "application/json" || tt.code == "BAD_USER_INPUT" {
					want = http.StatusBadRequest
				}
				var got map[string]json.RawMessage
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatalf("%d %s", resp.StatusCode, raw)
				}
				if _, hasData := got["data"]; resp.StatusCode != want || hasData || !strings.Contains(string(got["errors"]), `"code":"`+tt.code+`"`) {
					t.Fatalf("%d %s, want %d with %s and no data", resp.StatusCode, raw, want, tt.code)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, accept) {
					t.Fatalf("Content-Type %q, want %s", ct, accept)
				}
			})
		}
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Fatalf("errors logged:\n%.2000s", log.String())
	}
}

// Issue 17.10: a NUL in a filter or an admin text field is BAD_USER_INPUT on the field.
func TestNULInInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		admin := adminKey(t, db)
		tests := []struct {
			name, key, query string
			vars             map[string]any
			field            string
		}{
			{"filter", "", `{ launches(where: {slugContains: "a\u0000b"}) { totalCount } }`, nil, "where.slugContains"},
			{"filter in a variable", "", `query($w: LaunchWhereInput) { launches(where: $w) { totalCount } }`,
				map[string]any{"w": map[string]any{"or": []any{map[string]any{"slug": "x"}, map[string]any{"titleContains": "\x00"}}}}, "where.or.1.titleContains"},
			{"admin text", admin, `mutation($in: CreateSpeakerInput!) { createSpeaker(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"name": "Ada\x00"}}, "input.name"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := gqlAs(t, srv.URL, tt.key, tt.query, tt.vars)
				if resp.code() != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != tt.field {
					t.Fatalf("%+v, want BAD_USER_INPUT on %s", resp.Errors, tt.field)
				}
			})
		}
	})
}
