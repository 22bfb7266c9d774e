package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"launchgraph/internal/auth"
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

// testServer serves the server over db on a loopback HTTP server, built as `serve` builds
// it (testApp).
func testServer(tb testing.TB, db *store.DB, mods ...func(*config)) *httptest.Server {
	tb.Helper()
	srv, _ := testApp(tb, db, mods...)
	return srv
}

// testApp builds the app the way `serve` does — loadConfig's defaults (DATA_DIR a
// temporary directory), adjusted by mods, then newApp and NewServer — serves it on a
// loopback HTTP server and runs its sender, until the test ends.
func testApp(tb testing.TB, db *store.DB, mods ...func(*config)) (*httptest.Server, *app) {
	tb.Helper()
	return testAppLogging(tb, db, slog.New(slog.NewTextHandler(io.Discard, nil)), mods...)
}

// testAppLogging is testApp logging to logger.
func testAppLogging(tb testing.TB, db *store.DB, logger *slog.Logger, mods ...func(*config)) (*httptest.Server, *app) {
	tb.Helper()
	a := newTestApp(tb, db, logger, nil, mods...)
	return serveApp(tb, a, a.startSender(context.Background())), a
}

// testAppWithoutSender is testApp whose sender does not run, for tests that watch
// notifications wait and deliver them themselves.
func testAppWithoutSender(tb testing.TB, db *store.DB, mods ...func(*config)) (*httptest.Server, *app) {
	tb.Helper()
	a := newTestApp(tb, db, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, mods...)
	return serveApp(tb, a, func() {}), a
}

// serveApp serves a on a loopback HTTP server until the test ends, then stops it and
// calls stopSender.
func serveApp(tb testing.TB, a *app, stopSender func()) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(NewServer(a, new(atomic.Bool)))
	tb.Cleanup(func() {
		a.stopStreams()
		srv.Close()
		stopSender()
	})
	return srv
}

// newTestApp builds the app as `serve` does, from loadConfig with env (DATA_DIR a
// temporary directory unless env sets it) adjusted by mods.
func newTestApp(tb testing.TB, db *store.DB, logger *slog.Logger, env map[string]string, mods ...func(*config)) *app {
	tb.Helper()
	if env["DATA_DIR"] == "" {
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["DATA_DIR"] = tb.TempDir()
	}
	cfg, err := loadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range mods {
		m(&cfg)
	}
	a, err := newApp(cfg, logger, db)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// testServerLogging is testServer logging text to log.
func testServerLogging(tb testing.TB, db *store.DB, log io.Writer, mods ...func(*config)) *httptest.Server {
	tb.Helper()
	srv, _ := testAppLogging(tb, db, slog.New(slog.NewTextHandler(log, nil)), mods...)
	return srv
}

// unlimited turns the rate limits off, for tests that send more than a client may.
func unlimited(c *config) { c.RateLimits = RateLimits{} }

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
