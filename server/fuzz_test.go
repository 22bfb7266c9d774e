package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"launchgraph/internal/store/storetest"
)

// fuzzHandler is the real handler over a seeded embedded store.
func fuzzHandler(f *testing.F) http.Handler {
	db := seeded(f, storetest.SQLite(f))
	a := newTestApp(f, db, slog.New(slog.NewTextHandler(io.Discard, nil)), map[string]string{"ENV": "production"})
	return NewServer(a, new(atomic.Bool))
}

// checkResponse is the fuzz invariant: no panic (the recover would answer 500) and never a 5xx.
func checkResponse(t *testing.T, h http.Handler, req *http.Request) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("status %d for %q: %s", rec.Code, req.URL.RawQuery, rec.Body.String())
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
	} {
		f.Add([]byte(seed))
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		checkResponse(t, h, req)
	})
}

func FuzzGraphQLVariables(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1"}`, `{"id":null}`, `{"id":[1,2]}`, `{"first":1e300}`, `{"first":-1}`,
		`{"where":{"slug":{"a":1}}}`, `{"where":{"startsAtGT":"not a time"}}`, `{"after":"!!"}`,
		`{"orderBy":[{"field":"NOPE"}]}`, `{"ids":["1","x",null]}`, `[]`, `"x"`, `{`,
	} {
		f.Add([]byte(seed))
	}
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
		req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
		req.Header.Set("Content-Type", "application/json")
		checkResponse(t, h, req)
	})
}
