package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"launchgraph/internal/seed"
	"launchgraph/internal/store"
)

// gqlError is one entry of a GraphQL response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// gqlResponse is a GraphQL response body.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code returns the first error's extensions.code, or "".
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// testServer serves NewServer over db on a loopback HTTP server.
func testServer(tb testing.TB, db *store.DB, mods ...func(*config)) *httptest.Server {
	tb.Helper()
	cfg := config{Env: "development", Introspection: true}
	for _, m := range mods {
		m(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(NewServer(logger, cfg, db, new(atomic.Bool)))
	tb.Cleanup(srv.Close)
	return srv
}

// seeded loads the COP 2020 data into db.
func seeded(tb testing.TB, db *store.DB) *store.DB {
	tb.Helper()
	if _, err := seed.Load(context.Background(), db.Client); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return db
}

// postGQL posts a query and decodes the response; it fails the test on a status other than
// 200, or 422 (what gqlgen answers for a document that fails validation).
func postGQL(tb testing.TB, url, query string, vars map[string]any) gqlResponse {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity {
		tb.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// mustData posts a query, fails on any error, and decodes data into v.
func mustData(tb testing.TB, url, query string, vars map[string]any, v any) {
	tb.Helper()
	resp := postGQL(tb, url, query, vars)
	if len(resp.Errors) > 0 {
		tb.Fatalf("errors: %+v", resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, v); err != nil {
		tb.Fatalf("decode data %s: %v", resp.Data, err)
	}
}
