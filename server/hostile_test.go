package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

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

// runHostile sends each case anonymously to a production-mode server and checks that it
// is refused with its code, in bounded CPU, reply size and memory.
func runHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	db := seeded(t, storetest.SQLite(t))
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
