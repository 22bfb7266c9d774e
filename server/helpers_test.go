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

	"launchgraph/internal/auth"
	"launchgraph/internal/metrics"
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
	return testServerLogging(tb, db, io.Discard, mods...)
}

// testServerLogging is testServer logging text to log.
func testServerLogging(tb testing.TB, db *store.DB, log io.Writer, mods ...func(*config)) *httptest.Server {
	tb.Helper()
	cfg := config{Env: "development", Introspection: true}
	for _, m := range mods {
		m(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(log, nil))
	srv := httptest.NewServer(NewServer(logger, cfg, db, metrics.New(db.SQL), new(atomic.Bool)))
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

// sendGQL posts a query with `Authorization: Bearer key` (none for "") and extra headers
// (name, value pairs), and returns the status and body as they came.
func sendGQL(tb testing.TB, url, key, query string, vars map[string]any, headers ...string) (int, []byte) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// gqlAs is sendGQL that decodes the response, which must have status 200 (request errors
// included, under application/json).
func gqlAs(tb testing.TB, url, key, query string, vars map[string]any, headers ...string) gqlResponse {
	tb.Helper()
	status, raw := sendGQL(tb, url, key, query, vars, headers...)
	if status != http.StatusOK {
		tb.Fatalf("status %d: %s", status, raw)
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// dataAs is gqlAs that fails on any error and decodes data into v.
func dataAs(tb testing.TB, url, key, query string, vars map[string]any, v any, headers ...string) {
	tb.Helper()
	resp := gqlAs(tb, url, key, query, vars, headers...)
	if len(resp.Errors) > 0 {
		tb.Fatalf("errors: %+v", resp.Errors)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(resp.Data, v); err != nil {
		tb.Fatalf("decode data %s: %v", resp.Data, err)
	}
}

// postGQL is gqlAs without a key.
func postGQL(tb testing.TB, url, query string, vars map[string]any) gqlResponse {
	tb.Helper()
	return gqlAs(tb, url, "", query, vars)
}

// mustData is dataAs without a key.
func mustData(tb testing.TB, url, query string, vars map[string]any, v any) {
	tb.Helper()
	dataAs(tb, url, "", query, vars, v)
}

// newKey creates an API key of role.
func newKey(tb testing.TB, db *store.DB, role auth.Role) string {
	tb.Helper()
	key, _, err := auth.Create(context.Background(), db.Client, role, string(role)+" test key", 0)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// adminKey creates an ADMIN API key.
func adminKey(tb testing.TB, db *store.DB) string {
	tb.Helper()
	return newKey(tb, db, auth.Admin)
}
