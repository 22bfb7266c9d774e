package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/coder/websocket"

	"launchgraph/internal/auth"
	"launchgraph/internal/ratelimit"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func TestAuthenticateMiddleware(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	partner, row, err := auth.Create(ctx, db.Client, auth.Partner, "site", 0)
	if err != nil {
		t.Fatal(err)
	}
	revoked, revokedRow, err := auth.Create(ctx, db.Client, auth.Admin, "gone", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Revoke(ctx, db.Client, revokedRow.ID); err != nil {
		t.Fatal(err)
	}
	expired, expiredRow, err := auth.Create(ctx, db.Client, auth.Admin, "temp", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	db.Client.APIKey.UpdateOne(expiredRow).SetExpiresAt(time.Now().Add(-time.Minute)).ExecX(ctx)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var got *auth.Viewer
	keys := auth.NewKeyCache(db.Client, keyCacheConfig(db.Dialect))
	h := withClientIP(authenticate(keys, nil, logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := auth.ViewerFrom(r.Context())
		if !ok {
			t.Error("no viewer in the request context")
		}
		got = &v
	})))

	tests := []struct {
		name    string
		headers []string
		want    *auth.Viewer // nil: refused with 401
		message string
	}{
		{"no header", nil, &auth.Viewer{Role: auth.Public}, ""},
		{"partner key", []string{"Bearer " + partner}, &auth.Viewer{Role: auth.Partner, KeyID: row.ID, KeyName: "site"}, ""},
		{"partner key again (cached)", []string{"Bearer " + partner}, &auth.Viewer{Role: auth.Partner, KeyID: row.ID, KeyName: "site"}, ""},
		{"scheme is case-insensitive", []string{"bearer " + partner}, &auth.Viewer{Role: auth.Partner, KeyID: row.ID, KeyName: "site"}, ""},
		{"revoked key", []string{"Bearer " + revoked}, nil, "API key revoked"},
		{"expired key", []string{"Bearer " + expired}, nil, "API key expired"},
		{"unknown key", []string{"Bearer " + auth.KeyPrefix + strings.Repeat("Q", 42) + "A"}, nil, "unknown API key"},
		{"malformed key", []string{"Bearer secret"}, nil, "malformed API key"},
		{"basic auth", []string{"Basic dXNlcjpwYXNz"}, nil, `the Authorization header must be "Bearer <API key>"`},
		{"bearer without key", []string{"Bearer "}, nil, `the Authorization header must be "Bearer <API key>"`},
		{"empty header", []string{""}, nil, `the Authorization header must be "Bearer <API key>"`},
		{"two headers", []string{"Bearer " + partner, "Bearer " + partner}, nil, `the Authorization header must be "Bearer <API key>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tt.want != nil {
				if rec.Code != http.StatusOK || got == nil || *got != *tt.want {
					t.Fatalf("status %d, viewer %+v; want 200 and %+v", rec.Code, got, *tt.want)
				}
				return
			}
			if got != nil {
				t.Fatalf("handler ran with viewer %+v, want it not to run", *got)
			}
			if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("status %d, WWW-Authenticate %q; want 401 and a Bearer challenge", rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
			var body struct {
				Errors []struct {
					Message    string
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
				t.Fatalf("body %s: want one GraphQL error (%v)", rec.Body, err)
			}
			e := body.Errors[0]
			if !strings.HasPrefix(e.Message, tt.message) || e.Extensions["code"] != "UNAUTHENTICATED" {
				t.Fatalf("error %+v, want %q with code UNAUTHENTICATED", e, tt.message)
			}
		})
	}
	for _, key := range []string{partner, revoked, expired, partner[len(auth.KeyPrefix):]} {
		if strings.Contains(logs.String(), key) {
			t.Fatalf("a key appears in the logs:\n%s", logs.String())
		}
	}
}

// Issue 17.10: refused keys count against the client IP, so guessing keys is limited.
func TestRefusedKeysAreRateLimited(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) { c.RateLimits = ratelimit.Config{Anonymous: 3} })
	bad := auth.KeyPrefix + strings.Repeat("Q", 42) + "A"
	for i := range 3 {
		if status, raw := sendGQL(t, srv.URL, bad, `{ __typename }`, nil); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s, want 401", i+1, status, raw)
		}
	}
	if status, raw := sendGQL(t, srv.URL, bad, `{ __typename }`, nil); status != http.StatusTooManyRequests {
		t.Fatalf("guess 4: %d %s, want 429", status, raw)
	}
	_, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + bad}, nil)
	if err == nil {
		t.Fatal("a socket opened with a bad key after the budget was spent")
	}
}

// keyStatements counts the statements that read API keys.
type keyStatements struct {
	dialect.Driver
	n atomic.Int64
}

func (d *keyStatements) Query(ctx context.Context, query string, args, v any) error {
	if strings.Contains(query, "api_keys") {
		d.n.Add(1)
	}
	return d.Driver.Query(ctx, query, args, v)
}

// Issue 13.2: a key checked once is answered from memory (no statement).
func TestKeyLookupIsCached(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			drv := &keyStatements{}
			db := openDialect(t, name, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
			})
			srv := testServer(t, db)
			key := adminKey(t, db)
			drv.n.Store(0)
			for range 20 {
				dataAs(t, srv.URL, key, `{ __typename }`, nil, nil)
			}
			if n := drv.n.Load(); n != 1 {
				t.Fatalf("%d statements read API keys for 20 requests, want 1", n)
			}
		})
	}
}

// Issue 13.2 and 17.9: revoking a key refuses it over HTTP and closes its websockets on
// every replica within a second (two servers on one PostgreSQL database).
func TestRevocationReachesEveryReplica(t *testing.T) {
	url := storetest.PostgresURL(t)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	dbA, dbB, other := open(), open(), open()
	if err := dbA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, b := testServer(t, dbA), testServer(t, dbB)
	key, row, err := auth.Create(context.Background(), dbA.Client, auth.Partner, "partner", 0)
	if err != nil {
		t.Fatal(err)
	}
	l := regLaunch(t, dbA)
	var sockets []*wsClient
	for _, srv := range []*httptest.Server{a, b} {
		dataAs(t, srv.URL, key, `{ __typename }`, nil, nil) // the key is cached on both
		c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.subscribe(t, "1", seatsSubscription, map[string]any{"id": id(l.ID)})
		c.next(t, 5*time.Second)
		sockets = append(sockets, c)
	}
	start := time.Now()
	// Revoked through a third client, as `server apikey revoke` would.
	if err := auth.Revoke(context.Background(), other.Client, row.ID); err != nil {
		t.Fatal(err)
	}
	for i, c := range sockets {
		if code := c.closeCode(t); code != 4403 {
			t.Errorf("socket on replica %d: close %d, want 4403", i, code)
		}
	}
	for i, srv := range []*httptest.Server{a, b} {
		for {
			status, _ := sendGQL(t, srv.URL, key, `{ __typename }`, nil)
			if status == http.StatusUnauthorized {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("replica %d still accepts the revoked key after %s (status %d)", i, time.Since(start), status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("revocation took %s to reach both replicas", d)
	}
	t.Logf("revocation reached both replicas' HTTP and sockets in %s", time.Since(start))
}

// Issue 17.9: a key's websockets close when the key expires, and HTTP refuses it then,
// whatever the cache holds.
func TestExpiryClosesSockets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		key, _, err := auth.Create(context.Background(), db.Client, auth.Partner, "short", 1500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		dataAs(t, srv.URL, key, `{ __typename }`, nil, nil)
		c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if code := c.closeCode(t); code != websocket.StatusCode(4403) {
			t.Fatalf("close %d, want 4403", code)
		}
		if status, raw := sendGQL(t, srv.URL, key, `{ __typename }`, nil); status != http.StatusUnauthorized || !strings.Contains(string(raw), "expired") {
			t.Fatalf("after expiry: %d %s, want 401 expired", status, raw)
		}
	})
}

// Issue 13.2 and 17.9 on SQLite: a revocation by another process (the apikey command)
// sends no event; the cache's TTL and sweep refuse the key within a second.
func TestRevocationFromAnotherProcessOnSQLite(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "shared.db")
	open := func() *store.DB {
		db, err := store.Open(context.Background(), store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db, cli := open(), open()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := testServer(t, db)
	key, row, err := auth.Create(context.Background(), db.Client, auth.Partner, "partner", 0)
	if err != nil {
		t.Fatal(err)
	}
	dataAs(t, srv.URL, key, `{ __typename }`, nil, nil)
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := auth.Revoke(context.Background(), cli.Client, row.ID); err != nil {
		t.Fatal(err)
	}
	if code := c.closeCode(t); code != 4403 {
		t.Fatalf("close %d, want 4403", code)
	}
	for {
		if status, _ := sendGQL(t, srv.URL, key, `{ __typename }`, nil); status == http.StatusUnauthorized {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("revocation took %s", d)
	}
	t.Logf("revocation by another process took %s", time.Since(start))
}
