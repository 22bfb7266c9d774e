package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/graph"
	"launchgraph/internal/store/storetest"
)

// closeCode waits for the server to close c and returns the close code.
func (c *wsClient) closeCode(tb testing.TB) websocket.StatusCode {
	tb.Helper()
	for {
		select {
		case _, ok := <-c.msgs:
			if ok {
				continue
			}
			return websocket.CloseStatus(<-c.err)
		case <-time.After(5 * time.Second):
			tb.Fatal("the socket stayed open")
			return 0
		}
	}
}

// rawWS dials proto without sending connection_init.
func rawWS(tb testing.TB, url, proto string) *wsClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(url), &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		tb.Fatal(err)
	}
	c := &wsClient{conn: conn, proto: proto, msgs: make(chan wsMsg, 64), err: make(chan error, 1)}
	go c.read()
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return c
}

func (c *wsClient) sendRaw(tb testing.TB, text string) {
	tb.Helper()
	if err := c.conn.Write(context.Background(), websocket.MessageText, []byte(text)); err != nil {
		tb.Fatal(err)
	}
}

// Issue 17.14 and 11.9: close codes and keep-alives of the graphql-transport-ws protocol.
func TestWebsocketProtocol(t *testing.T) {
	db := storetest.SQLite(t)
	timings := graph.StreamTimings{KeepAlive: 50 * time.Millisecond, InitTimeout: 300 * time.Millisecond}
	srv := testServer(t, db, func(c *config) { c.streamTimings = timings })
	l := regLaunch(t, db)
	const proto = "graphql-transport-ws"
	init := `{"type":"connection_init","payload":{}}`
	acked := func(t *testing.T) *wsClient {
		c := rawWS(t, srv.URL, proto)
		c.sendRaw(t, init)
		if m := c.next(t, 5*time.Second); m.Type != "connection_ack" {
			t.Fatalf("got %s, want connection_ack", m.Type)
		}
		return c
	}
	seats := `{"id":"1","type":"subscribe","payload":{"query":` + quote(seatsSubscription) + `,"variables":{"id":"` + strconv.Itoa(l.ID) + `"}}}`

	tests := []struct {
		name string
		run  func(t *testing.T) *wsClient
		want websocket.StatusCode
	}{
		{"no connection_init: 4408", func(t *testing.T) *wsClient { return rawWS(t, srv.URL, proto) }, graph.CloseInitTimeout},
		{"subscribe before connection_init: 4401", func(t *testing.T) *wsClient {
			c := rawWS(t, srv.URL, proto)
			c.sendRaw(t, seats)
			return c
		}, graph.CloseUnauthorized},
		{"not JSON: 4400", func(t *testing.T) *wsClient { c := acked(t); c.sendRaw(t, `{"type":`); return c }, graph.CloseBadRequest},
		{"not JSON before init: 4400", func(t *testing.T) *wsClient { c := rawWS(t, srv.URL, proto); c.sendRaw(t, `nope`); return c }, graph.CloseBadRequest},
		{"unknown type: 4400", func(t *testing.T) *wsClient { c := acked(t); c.sendRaw(t, `{"type":"hello"}`); return c }, graph.CloseBadRequest},
		{"second connection_init: 4429", func(t *testing.T) *wsClient { c := acked(t); c.sendRaw(t, init); return c }, graph.CloseTooManyInitialise},
		{"duplicate id: 4409", func(t *testing.T) *wsClient {
			c := acked(t)
			c.sendRaw(t, seats)
			if m := c.next(t, 5*time.Second); m.Type != "next" {
				t.Fatalf("got %s %s, want next", m.Type, m.Payload)
			}
			c.sendRaw(t, seats)
			return c
		}, graph.CloseSubscriberExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.run(t).closeCode(t); got != tt.want {
				t.Fatalf("close %d, want %d", got, tt.want)
			}
		})
	}

	t.Run("an id may be used again after complete", func(t *testing.T) {
		c := acked(t)
		for range 3 {
			c.sendRaw(t, seats)
			if m := c.next(t, 5*time.Second); m.Type != "next" {
				t.Fatalf("got %s %s, want next", m.Type, m.Payload)
			}
			c.sendRaw(t, `{"id":"1","type":"complete"}`)
		}
		c.sendRaw(t, `{"id":"2","type":"subscribe","payload":{"query":"{ __typename }"}}`)
		if m := c.next(t, 5*time.Second); m.Type != "next" || m.ID != "2" {
			t.Fatalf("got %s %s %s, want next of 2", m.ID, m.Type, m.Payload)
		}
	})

	for _, p := range []string{"graphql-transport-ws", "graphql-ws"} {
		t.Run("keep-alive on "+p, func(t *testing.T) {
			c, err := dialWS(t, srv.URL, p, map[string]any{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for c.pings.Load() < 3 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := c.pings.Load(); n < 3 {
				t.Fatalf("%d keep-alives in 5 s, want one every %s", n, timings.KeepAlive)
			}
			// Answered pings keep the socket open past twice the interval.
			c.sendRaw(t, `{"id":"9","type":"`+map[string]string{"graphql-ws": "start", "graphql-transport-ws": "subscribe"}[p]+`","payload":{"query":"{ __typename }"}}`)
			if m := c.next(t, 5*time.Second); m.ID != "9" {
				t.Fatalf("got %+v", m)
			}
		})
	}

	t.Run("no pong closes the socket", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, wsURL(srv.URL), &websocket.DialOptions{Subprotocols: []string{proto}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		_ = conn.Write(ctx, websocket.MessageText, []byte(init))
		start := time.Now()
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				break // never answers the pings
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("closed after %s, want about %s", d, 2*timings.KeepAlive)
		}
	})
}

// Issue 11.9: SSE streams send a heartbeat comment and carry /graphql's Vary.
func TestSSEHeartbeatAndVary(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) { c.streamTimings = graph.StreamTimings{SSEHeartbeat: 50 * time.Millisecond} })
	l := regLaunch(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body := `{"query":` + quote(seatsSubscription) + `,"variables":{"id":"` + strconv.Itoa(l.ID) + `"}}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(v, "Accept, Authorization, Accept-Language") {
		t.Fatalf("Vary %q", v)
	}
	buf := make([]byte, 0, 4096)
	chunk := make([]byte, 512)
	for strings.Count(string(buf), ": ping") < 2 {
		n, err := resp.Body.Read(chunk)
		if err != nil {
			t.Fatalf("stream ended after %q: %v", buf, err)
		}
		buf = append(buf, chunk[:n]...)
	}
}

// websocketGauge reads launchgraph_websocket_connections from /metrics.
func websocketGauge(tb testing.TB, url string) string {
	tb.Helper()
	_, raw := get(tb, url+"/metrics")
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "launchgraph_websocket_connections "); ok {
			return v
		}
	}
	return ""
}

// Issue 17.12: a client that stops reading is dropped after the write timeout.
func TestSlowReaderIsDropped(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) { c.streamTimings = graph.StreamTimings{WriteTimeout: 200 * time.Millisecond} })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(srv.URL), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init"}`))
	if _, _, err := conn.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if got := websocketGauge(t, srv.URL); got != "1" {
		t.Fatalf("%s websockets open, want 1", got)
	}
	// Each answer is the whole schema (~100 KB); the client never reads them.
	const big = `{ __schema { types { name description fields { name description args { name description } } } } }`
	for i := range 200 {
		msg := `{"id":"` + strconv.Itoa(i) + `","type":"subscribe","payload":{"query":` + quote(big) + `}}`
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			break // the server closed the socket
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for websocketGauge(t, srv.URL) != "0" {
		if time.Now().After(deadline) {
			t.Fatal("a client that stopped reading still has its websocket after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
