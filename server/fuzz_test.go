package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"launchgraph/internal/store/storetest"
)

// fuzzHandler is the real handler over a seeded embedded store.
func fuzzHandler(f *testing.F) http.Handler {
	db := seeded(f, storetest.SQLite(f))
	a := newTestApp(f, db, slog.New(slog.NewTextHandler(io.Discard, nil)), map[string]string{"ENV": "production"})
	return NewServer(a, new(atomic.Bool))
}

// Fuzz bounds: a reply holds at most fuzzReplyBase plus fuzzReplyFactor bytes per byte
// of request, and one request costs at most fuzzCPU of the process's CPU (issue 17.15:
// the blow-ups of 17.1–17.3 broke both, and their INTERNAL answers the third invariant).
const (
	fuzzReplyBase   = 256 << 10
	fuzzReplyFactor = 64
	fuzzCPU         = time.Second
)

// checkResponse holds the fuzz invariants: no panic (the recover would answer 500), never
// a 5xx, never INTERNAL, a reply bounded by a constant times the request, and bounded CPU.
func checkResponse(t *testing.T, h http.Handler, req *http.Request, requestBytes int) {
	rec := httptest.NewRecorder()
	start := cpuTime()
	h.ServeHTTP(rec, req)
	cpu := cpuTime() - start
	body := rec.Body.String()
	switch {
	case rec.Code >= 500:
		t.Fatalf("status %d for %q: %.500s", rec.Code, req.URL.RawQuery, body)
	case strings.Contains(body, `"code":"INTERNAL"`):
		t.Fatalf("INTERNAL for %q: %.500s", req.URL.RawQuery, body)
	case len(body) > fuzzReplyBase+fuzzReplyFactor*requestBytes:
		t.Fatalf("a reply of %d bytes to a request of %d", len(body), requestBytes)
	case cpu > fuzzCPU*raceFactor:
		t.Fatalf("%v of CPU for one request of %d bytes", cpu, requestBytes)
	}
}

func FuzzGraphQLBody(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ regions { totalCount } }"}`,
		`{"query":"query($id: ID!) { node(id: $id) { id } }","variables":{"id":"abc"}}`,
		`[{"query":"{ __typename }"}]`,
		`{"query":"{ launches(first: 1000000) { totalCount } }"}`,
		`{"query":"{ a: __typename b: __typename }","operationName":"x"}`,
		`{"query":"mutation { deleteLaunch(id: 1) }"}`,
		`{"query":"{ launches(where: {or: [{not: {slug: \"x\"}}]}) { edges { node { id } } } }"}`,
		`{"query":"{ regions(after: \"////\") { totalCount } }"}`,
		`{"query":"{ ` + "\x00" + ` }"}`,
		`{"query":"query { regions { edges { node { launches { edges { node { region { launches { totalCount } } } } } } } } }"}`,
		`{"query":` + `"{ __schema { types { name } } }"` + `}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}`,
		`null`, `{}`, `{"query":1}`, `"`, ``,
		`{"query":"{ launches(where: {slugContains: \"\u0000\"}) { totalCount } }"}`,
		`{"query":"{ __typename }","variables":` + strings.Repeat(`{"a":`, 11000) + `1` + strings.Repeat(`}`, 11000) + `}`,
	} {
		f.Add([]byte(seed))
	}
	// The hostile shapes of issue 17, as seeds the fuzzer mutates.
	lit, _ := deepFilter(50)
	for _, q := range []string{sameName(1100), fragmentLevels(27), "{ launches(where: " + lit + ") { totalCount } }",
		"{ __typename" + strings.Repeat(" @include(if: true)", 1000) + " }"} {
		f.Add([]byte(`{"query":` + quote(q) + `}`))
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		checkResponse(t, h, req, len(body))
	})
}

func FuzzGraphQLVariables(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1"}`, `{"id":null}`, `{"id":[1,2]}`, `{"first":1e300}`, `{"first":-1}`,
		`{"where":{"slug":{"a":1}}}`, `{"where":{"startsAtGT":"not a time"}}`, `{"after":"!!"}`,
		`{"orderBy":[{"field":"NOPE"}]}`, `{"ids":["1","x",null]}`, `[]`, `"x"`, `{`,
		`{"where":{"titleContains":"\u0000"}}`,
	} {
		f.Add([]byte(seed))
	}
	_, deep := deepFilter(50)
	f.Add([]byte(mustJSON(map[string]any{"where": deep})))
	h := fuzzHandler(f)
	const query = `query($id: ID!, $ids: [ID!]!, $first: Int, $after: Cursor, $where: LaunchWhereInput, $orderBy: [LaunchOrder!]) {
		node(id: $id) { id }
		nodes(ids: $ids) { id }
		launches(first: $first, after: $after, where: $where, orderBy: $orderBy) { totalCount edges { node { slug } } }
	}`
	f.Fuzz(func(t *testing.T, vars []byte) {
		var body bytes.Buffer
		body.WriteString(`{"query":`)
		body.WriteString(quote(query))
		body.WriteString(`,"variables":`)
		body.Write(vars)
		body.WriteString(`}`)
		n := body.Len()
		req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
		req.Header.Set("Content-Type", "application/json")
		checkResponse(t, h, req, n)
	})
}
