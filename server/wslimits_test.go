package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/coder/websocket"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/graph"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// wsOutcome is what one operation sent over a websocket got.
type wsOutcome struct {
	data  bool   // a result with data and no errors
	code  string // else the first error's code
	bytes int    // the size of its largest message
}

// runOverSocket sends n operations (op(i) gives each one's payload) over c without waiting,
// and returns each one's outcome once every one completed.
func runOverSocket(t *testing.T, c *wsClient, n int, op func(i int) map[string]any) map[string]wsOutcome {
	t.Helper()
	done := make(chan map[string]wsOutcome, 1)
	go func() {
		out := map[string]wsOutcome{}
		completed := 0
		for completed < n {
			m, ok := c.within(30 * time.Second)
			if !ok {
				break
			}
			o := out[m.ID]
			o.bytes = max(o.bytes, len(m.Payload))
			switch m.Type {
			case "next", "error":
				var p struct {
					Data   json.RawMessage `json:"data"`
					Errors []gqlError      `json:"errors"`
				}
				if m.Type == "error" {
					_ = json.Unmarshal(m.Payload, &p.Errors)
				} else {
					_ = json.Unmarshal(m.Payload, &p)
				}
				if len(p.Errors) > 0 {
					o.code, _ = p.Errors[0].Extensions["code"].(string)
				} else {
					o.data = len(p.Data) > 0 && string(p.Data) != "null"
				}
				if m.Type == "error" {
					completed++
				}
			case "complete":
				completed++
			}
			out[m.ID] = o
		}
		done <- out
	}()
	for i := range n {
		c.send(t, wsMsg{ID: strconv.Itoa(i), Type: "subscribe", Payload: mustJSON(op(i))})
	}
	out := <-done
	if len(out) != n {
		t.Fatalf("%d of %d operations answered", len(out), n)
	}
	return out
}

// count tallies outcomes: ok results and refusals by code.
func count(t *testing.T, out map[string]wsOutcome) (ok int, codes map[string]int) {
	t.Helper()
	codes = map[string]int{}
	for id, o := range out {
		if o.bytes > hostileReply {
			t.Errorf("operation %s: a message of %d bytes", id, o.bytes)
		}
		if o.data {
			ok++
		} else {
			codes[o.code]++
		}
	}
	return ok, codes
}

// Issue 17.4: an anonymous socket has the anonymous and register budgets of its IP.
func TestWebsocketRegisterLimit(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) { c.RateLimits = RateLimits{Anonymous: 600, Register: 30} })
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1000) })
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	register := func(i int) map[string]any {
		return map[string]any{"query": registerMutation, "variables": map[string]any{"input": regInput(l.ID, fmt.Sprintf("ws%d@example.org", i))}}
	}
	ok, codes := count(t, runOverSocket(t, c, 30, register))
	if ok != 30 {
		t.Fatalf("first 30 registers: %d ok, refused %v", ok, codes)
	}
	var out map[string]wsOutcome
	cost := measure(t, func() { out = runOverSocket(t, c, 70, func(i int) map[string]any { return register(30 + i) }) })
	if ok, codes := count(t, out); ok != 0 || codes["RATE_LIMITED"] != 70 {
		t.Fatalf("registers 31–100: %d ok, refused %v; want 70 RATE_LIMITED", ok, codes)
	}
	cost.within(t, "70 refused registers")
	n, err := db.Client.Registrant.Query().Where(registrant.HasLaunchWith()).Count(t.Context())
	if err != nil || n != 30 {
		t.Fatalf("%d registrants (%v), want 30", n, err)
	}
	// The refused registers gave their requests back: 30 registers and the upgrade are
	// counted, so 569 more queries fit in the minute.
	ok, codes = count(t, runOverSocket(t, c, 570, func(int) map[string]any { return map[string]any{"query": "{ __typename }"} }))
	if ok != 569 || codes["RATE_LIMITED"] != 1 {
		t.Fatalf("570 queries: %d ok, refused %v; want 569 ok and 1 RATE_LIMITED", ok, codes)
	}
	t.Logf("70 refused registers: CPU %v, RSS +%.1f MB", cost.cpu, float64(cost.rss)/(1<<20))
}

// Issue 17.4: queries over one socket share the anonymous budget of its IP with HTTP.
func TestWebsocketQueryLimit(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db, func(c *config) {
		c.RateLimits = RateLimits{Anonymous: 600, Register: 30}
		// This test is about the rate limit: all 1,000 operations go out at once, and on a
		// loaded machine the load shedder would refuse some with UNAVAILABLE, so every one
		// may wait its turn here; under -race the last of 599 queries also end past the
		// anonymous read deadline (3 s), which would refuse them as UNAVAILABLE too.
		c.shedding = graph.Shedding{Waiting: 1000, Wait: time.Minute}
		c.AnonymousReadTimeout = time.Minute
	})
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	query := func(int) map[string]any { return map[string]any{"query": launchesQuery} }
	ok, codes := count(t, runOverSocket(t, c, 599, query)) // the upgrade was the 600th request
	if ok != 599 {
		t.Fatalf("first 599 queries: %d ok, refused %v", ok, codes)
	}
	var out map[string]wsOutcome
	cost := measure(t, func() { out = runOverSocket(t, c, 401, query) })
	if ok, codes := count(t, out); ok != 0 || codes["RATE_LIMITED"] != 401 {
		t.Fatalf("queries 600–1,000: %d ok, refused %v; want 401 RATE_LIMITED", ok, codes)
	}
	cost.within(t, "401 refused queries")
	t.Logf("401 refused queries: CPU %v, RSS +%.1f MB", cost.cpu, float64(cost.rss)/(1<<20))

	// The IP's budget is spent on every transport: HTTP and a second socket are refused.
	status, raw := sendGQL(t, srv.URL, "", `{ __typename }`, nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("HTTP after the socket's 1,000 queries: %d %s, want 429", status, raw)
	}
	_, err = dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err == nil || websocket.CloseStatus(err) != -1 {
		t.Fatalf("second socket: %v, want the upgrade refused", err)
	}
}

// Issue 17.5: the register budget is decided on the parsed operation, so no spelling of
// the request escapes it.
func TestRegisterLimitOnParsedOperation(t *testing.T) {
	const sel = `{ manageToken }`
	const hashQuery = `mutation($input: RegisterInput!) { register(input: $input) ` + sel + ` }`
	sum := sha256.Sum256([]byte(hashQuery))
	hash := hex.EncodeToString(sum[:])
	persisted := func(withText bool) func(vars string) string {
		return func(vars string) string {
			ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
			if withText {
				return `{"query":` + quote(hashQuery) + `,"variables":` + vars + `,` + ext + `}`
			}
			return `{"variables":` + vars + `,` + ext + `}`
		}
	}
	plain := func(query string) func(vars string) string {
		return func(vars string) string { return `{"query":` + quote(query) + `,"variables":` + vars + `}` }
	}
	tests := []struct {
		name string
		// bodies gives the request bodies: the first two must register, the third must be refused.
		bodies []func(vars string) string
	}{
		{"plain", []func(string) string{plain(hashQuery), plain(hashQuery), plain(hashQuery)}},
		{"inline fragment", []func(string) string{
			plain(`mutation($input: RegisterInput!) { ... on Mutation { register(input: $input) ` + sel + ` } }`),
			plain(`mutation($input: RegisterInput!) { ... { register(input: $input) ` + sel + ` } }`),
			plain(`mutation($input: RegisterInput!) { ... on Mutation { register(input: $input) ` + sel + ` } }`),
		}},
		{"named fragment", []func(string) string{
			plain(`mutation($input: RegisterInput!) { ...r } fragment r on Mutation { register(input: $input) ` + sel + ` }`),
			plain(`mutation($input: RegisterInput!) { ...r } fragment r on Mutation { register(input: $input) ` + sel + ` }`),
			plain(`mutation($input: RegisterInput!) { ...r } fragment r on Mutation { register(input: $input) ` + sel + ` }`),
		}},
		{"JSON escape", []func(string) string{
			escaped(hashQuery), escaped(hashQuery), escaped(hashQuery),
		}},
		{"persisted query hash", []func(string) string{persisted(true), persisted(false), persisted(false)}},
		{"alias", []func(string) string{
			plain(`mutation($input: RegisterInput!) { x: register(input: $input) ` + sel + ` }`),
			plain(`mutation($input: RegisterInput!) { y: register(input: $input) ` + sel + ` }`),
			plain(`mutation($input: RegisterInput!) { z: register(input: $input) ` + sel + ` }`),
		}},
	}
	db := storetest.SQLite(t)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1000) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testServer(t, db, func(c *config) { c.RateLimits = RateLimits{Anonymous: 100, Register: 2} })
			for i, body := range tt.bodies {
				vars := string(mustJSON(map[string]any{"input": regInput(l.ID, fmt.Sprintf("%s-%d@example.org", strings.ReplaceAll(tt.name, " ", "-"), i))}))
				resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(body(vars)))
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want, wantCode := http.StatusOK, ""
				if i == 2 {
					want, wantCode = http.StatusTooManyRequests, "RATE_LIMITED"
				}
				var got gqlResponse
				_ = json.Unmarshal(raw, &got)
				if resp.StatusCode != want || got.code() != wantCode {
					t.Fatalf("request %d: %d %s, want %d %q", i+1, resp.StatusCode, raw, want, wantCode)
				}
				if i == 2 && resp.Header.Get("Retry-After") == "" {
					t.Fatalf("request 3: no Retry-After")
				}
			}
		})
	}
}

// escaped is plain with every "r" of query written as the JSON escape \u0072.
func escaped(query string) func(vars string) string {
	q := strings.ReplaceAll(quote(query), "r", `\u0072`)
	return func(vars string) string { return `{"query":` + q + `,"variables":` + vars + `}` }
}

// concurrencyDriver records how many statements run at once.
type concurrencyDriver struct {
	dialect.Driver
	now, peak atomic.Int64
}

func (d *concurrencyDriver) Query(ctx context.Context, query string, args, v any) error {
	n := d.now.Add(1)
	defer d.now.Add(-1)
	for p := d.peak.Load(); n > p && !d.peak.CompareAndSwap(p, n); p = d.peak.Load() {
	}
	time.Sleep(5 * time.Millisecond) // hold the connection, as a slow statement would
	return d.Driver.Query(ctx, query, args, v)
}

// Issue 17.4: one socket runs at most MaxOperationsPerSocket operations at once.
func TestWebsocketOperationsRunInTurn(t *testing.T) {
	drv := &concurrencyDriver{}
	db := seeded(t, storetest.Postgres(t, func(c *store.Config) {
		c.MaxOpenConns = 30
		c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
	}))
	srv := testServer(t, db)
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	drv.peak.Store(0)
	ok, codes := count(t, runOverSocket(t, c, 100, func(int) map[string]any { return map[string]any{"query": `{ launches { totalCount } }`} }))
	if ok != 100 {
		t.Fatalf("%d ok, refused %v", ok, codes)
	}
	if peak := drv.peak.Load(); peak > graph.MaxOperationsPerSocket || peak < 2 {
		t.Fatalf("%d statements ran at once, want 2 to %d", peak, graph.MaxOperationsPerSocket)
	}
}
