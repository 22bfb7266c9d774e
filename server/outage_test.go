package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// pgProxy forwards TCP connections to PostgreSQL until cut: then every connection drops
// and new ones are refused, as when the database goes down; restore brings it back.
type pgProxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	p := &pgProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *pgProxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// Issue 17.7: while the database is down every transport answers UNAVAILABLE, retryably.
func TestOutageIsUnavailable(t *testing.T) {
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.addr
	db, err := store.Open(context.Background(), store.Config{URL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	seeded(t, db)
	key := adminKey(t, db) // never used before the outage: not in the key cache
	srv := testServer(t, db)

	proxy.cut()
	t.Run("GraphQL query", func(t *testing.T) {
		resp := post(t, srv.URL+"/graphql", `{"query":"{ launches { totalCount } }"}`)
		if resp.status != http.StatusServiceUnavailable || resp.retryAfter == "" || !strings.Contains(resp.body, `"code":"UNAVAILABLE"`) {
			t.Fatalf("%d Retry-After %q %s, want 503 UNAVAILABLE with Retry-After", resp.status, resp.retryAfter, resp.body)
		}
	})
	t.Run("nullable root field", func(t *testing.T) {
		resp := post(t, srv.URL+"/graphql", `{"query":"{ node(id: \"8589934593\") { id } }"}`)
		if resp.status != http.StatusServiceUnavailable || !strings.Contains(resp.body, `"code":"UNAVAILABLE"`) {
			t.Fatalf("%d %s, want 503 UNAVAILABLE", resp.status, resp.body)
		}
	})
	t.Run("calendar feed", func(t *testing.T) {
		r, raw := get(t, srv.URL+"/feeds/launches.ics")
		if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(string(raw), `"code":"UNAVAILABLE"`) {
			t.Fatalf("%d Retry-After %q %s, want 503 UNAVAILABLE with Retry-After", r.StatusCode, r.Header.Get("Retry-After"), raw)
		}
	})
	t.Run("key over HTTP", func(t *testing.T) {
		status, raw := sendGQL(t, srv.URL, key, `{ __typename }`, nil)
		if status != http.StatusServiceUnavailable || !strings.Contains(string(raw), `"code":"UNAVAILABLE"`) {
			t.Fatalf("%d %s, want 503 UNAVAILABLE", status, raw)
		}
	})
	t.Run("websocket with a valid key", func(t *testing.T) {
		_, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + key}, nil)
		if got := websocket.CloseStatus(err); got != 1013 {
			t.Fatalf("close %d (%v), want 1013 (try again later), which clients retry", got, err)
		}
	})
	t.Run("readiness", func(t *testing.T) {
		if r, raw := get(t, srv.URL+"/readyz"); r.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%d %s, want 503", r.StatusCode, raw)
		}
	})

	proxy.restore(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if status, _ := sendGQL(t, srv.URL, key, `{ launches { totalCount } }`, nil); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not recover after the database came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + key}, nil); err != nil {
		t.Fatalf("websocket after the outage: %v", err)
	}
}

type postResult struct {
	status     int
	retryAfter string
	body       string
}

func post(t *testing.T, url, body string) postResult {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return postResult{resp.StatusCode, resp.Header.Get("Retry-After"), string(raw)}
}
