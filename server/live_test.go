package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/graph"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

const seatsSubscription = `subscription($id: ID!) {
  seatsChanged(launchId: $id) { capacity confirmed pending waitlisted remaining }
}`

// wsMsg is a message of either websocket subprotocol.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient speaks graphql-transport-ws or graphql-ws.
type wsClient struct {
	conn  *websocket.Conn
	proto string
	msgs  chan wsMsg
	err   chan error
	// pings counts the server's keep-alives: pings (answered) and kas.
	pings atomic.Int32
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") + "/graphql" }

// dialWS connects with proto and sends connection_init with payload; it returns the
// client after the ack, or the error of the first read (close codes included).
func dialWS(tb testing.TB, url, proto string, payload map[string]any, header http.Header) (*wsClient, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(url), &websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	c := &wsClient{conn: conn, proto: proto, msgs: make(chan wsMsg, 64), err: make(chan error, 1)}
	go c.read()
	tb.Cleanup(func() { _ = conn.CloseNow() })
	if payload != nil {
		c.send(tb, wsMsg{Type: "connection_init", Payload: mustJSON(payload)})
	}
	select {
	case m := <-c.msgs:
		if m.Type != "connection_ack" {
			// An init error is followed by the close; report the close.
			select {
			case err := <-c.err:
				return nil, err
			case <-time.After(5 * time.Second):
				return nil, errors.New("got " + m.Type + " " + string(m.Payload))
			}
		}
		return c, nil
	case err := <-c.err:
		return nil, err
	case <-time.After(10 * time.Second):
		return nil, errors.New("no connection_ack")
	}
}

func mustJSON(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

func (c *wsClient) read() {
	for {
		_, raw, err := c.conn.Read(context.Background())
		if err != nil {
			c.err <- err
			close(c.msgs)
			return
		}
		var m wsMsg
		_ = json.Unmarshal(raw, &m)
		switch m.Type {
		case "pong":
			continue
		case "ka":
			c.pings.Add(1)
			continue
		case "ping":
			c.pings.Add(1)
			_ = c.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
			continue
		}
		c.msgs <- m
	}
}

func (c *wsClient) send(tb testing.TB, m wsMsg) {
	tb.Helper()
	raw, _ := json.Marshal(m)
	if err := c.conn.Write(context.Background(), websocket.MessageText, raw); err != nil {
		tb.Fatalf("ws write: %v", err)
	}
}

// subscribe starts operation id.
func (c *wsClient) subscribe(tb testing.TB, id, query string, vars map[string]any) {
	tb.Helper()
	typ := "subscribe"
	if c.proto == "graphql-ws" {
		typ = "start"
	}
	c.send(tb, wsMsg{ID: id, Type: typ, Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// next returns the next message within d, failing the test otherwise.
func (c *wsClient) next(tb testing.TB, d time.Duration) wsMsg {
	tb.Helper()
	m, ok := c.within(d)
	if !ok {
		tb.Fatalf("no message within %s", d)
	}
	return m
}

// within returns the next message, if one arrives within d.
func (c *wsClient) within(d time.Duration) (wsMsg, bool) {
	select {
	case m, ok := <-c.msgs:
		return m, ok
	case <-time.After(d):
		return wsMsg{}, false
	}
}

// expectError reads operation id's error (an "error" message, or a "next" with errors)
// and its "complete", and checks the error's code.
func (c *wsClient) expectError(tb testing.TB, code string) {
	tb.Helper()
	m := c.next(tb, 5*time.Second)
	if (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), code) {
		tb.Fatalf("got %s %s, want an error %s", m.Type, m.Payload, code)
	}
	if m.Type == "next" {
		if m := c.next(tb, 5*time.Second); m.Type != "complete" {
			tb.Fatalf("got %s %s, want complete", m.Type, m.Payload)
		}
	}
}

// data decodes a next/data message's payload.data into v.
func (m wsMsg) data(tb testing.TB, v any) {
	tb.Helper()
	if m.Type != "next" && m.Type != "data" {
		tb.Fatalf("message %s: %s", m.Type, m.Payload)
	}
	var p struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		tb.Fatalf("payload %s: %v", m.Payload, err)
	}
	if err := json.Unmarshal(p.Data, v); err != nil {
		tb.Fatalf("data %s: %v", p.Data, err)
	}
}

type seatsEvent struct {
	SeatsChanged struct {
		Capacity                       *int
		Confirmed, Pending, Waitlisted int
		Remaining                      *int
	}
}

// sseStream posts a subscription with Accept: text/event-stream and returns its events'
// data lines.
func sseStream(tb testing.TB, ctx context.Context, url, key, query string, vars map[string]any) <-chan json.RawMessage {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("sse: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		tb.Fatalf("sse: status %d, content type %q", resp.StatusCode, ct)
	}
	out := make(chan json.RawMessage, 16)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- json.RawMessage(line)
			}
		}
	}()
	return out
}

func sseNext(tb testing.TB, ch <-chan json.RawMessage, v any) {
	tb.Helper()
	select {
	case raw, ok := <-ch:
		if !ok {
			tb.Fatal("sse stream ended")
		}
		var p struct {
			Data   json.RawMessage `json:"data"`
			Errors []gqlError      `json:"errors"`
		}
		if err := json.Unmarshal(raw, &p); err != nil || len(p.Errors) > 0 {
			tb.Fatalf("sse payload %s: %v", raw, err)
		}
		if err := json.Unmarshal(p.Data, v); err != nil {
			tb.Fatalf("sse data %s: %v", p.Data, err)
		}
	case <-time.After(5 * time.Second):
		tb.Fatal("no SSE event within 5s")
	}
}

// TestSeatsChangedTransports subscribes to seatsChanged over both websocket subprotocols
// and SSE: each gets the current seats, then the seats after a registration.
func TestSeatsChangedTransports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		cap := 10
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(cap) })
		vars := map[string]any{"id": strconv.Itoa(l.ID)}
		var clients []*wsClient
		for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
			c, err := dialWS(t, srv.URL, proto, map[string]any{}, nil)
			if err != nil {
				t.Fatalf("%s: %v", proto, err)
			}
			c.subscribe(t, "1", seatsSubscription, vars)
			clients = append(clients, c)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sse := sseStream(t, ctx, srv.URL, "", seatsSubscription, vars)

		check := func(step string, wantConfirmed int) {
			t.Helper()
			for i, c := range clients {
				var got seatsEvent
				c.next(t, 5*time.Second).data(t, &got)
				if got.SeatsChanged.Confirmed != wantConfirmed || *got.SeatsChanged.Remaining != cap-wantConfirmed {
					t.Errorf("%s: %s: got %+v, want %d confirmed", step, clients[i].proto, got.SeatsChanged, wantConfirmed)
				}
			}
			var got seatsEvent
			sseNext(t, sse, &got)
			if got.SeatsChanged.Confirmed != wantConfirmed {
				t.Errorf("%s: sse: got %+v, want %d confirmed", step, got.SeatsChanged, wantConfirmed)
			}
		}
		check("initial", 0)
		start := time.Now()
		newRegClient(srv.URL, "").register(t, regInput(l.ID, "a@example.org"))
		check("after register", 1)
		t.Logf("register → seatsChanged on 3 transports: %s", time.Since(start))
		for _, c := range clients {
			_ = c.conn.Close(websocket.StatusNormalClosure, "")
		}
	})
}

// TestWebsocketRefusals: a bad key closes with 4403, a missing connection_init after
// InitTimeout with 4408 (the protocol's code; gqlgen alone says 1002, issue 11.9), and a
// cross-origin upgrade is refused.
func TestWebsocketRefusals(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) { c.AllowedOrigins = []string{"https://allowed.example"} })

	for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
		_, err := dialWS(t, srv.URL, proto, map[string]any{"authorization": "Bearer lg_not_a_key"}, nil)
		if got := websocket.CloseStatus(err); got != 4403 {
			t.Errorf("%s bad key: close %d (%v), want 4403", proto, got, err)
		}
	}

	start := time.Now()
	_, err := dialWS(t, srv.URL, "graphql-transport-ws", nil, nil)
	if got := websocket.CloseStatus(err); got != graph.CloseInitTimeout {
		t.Errorf("no init: close %d (%v), want 4408", got, err)
	}
	if d := time.Since(start); d < 4*time.Second || d > 8*time.Second {
		t.Errorf("init timeout after %s, want about 5s", d)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"https://evil.example", false},
		{"https://allowed.example", true},
	} {
		conn, resp, err := websocket.Dial(ctx, wsURL(srv.URL), &websocket.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader:   http.Header{"Origin": {tc.origin}},
		})
		if got := err == nil; got != tc.ok {
			t.Errorf("origin %s: accepted %v, want %v (%v)", tc.origin, got, tc.ok, err)
		}
		if err != nil && resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %s: status %d, want 403", tc.origin, resp.StatusCode)
		}
		if conn != nil {
			_ = conn.CloseNow()
		}
	}
}

// TestSubscriptionLimit refuses a 21st active subscription on one socket.
func TestSubscriptionLimit(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db)
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	for i := 1; i <= 20; i++ {
		c.subscribe(t, strconv.Itoa(i), seatsSubscription, vars)
		if m := c.next(t, 5*time.Second); m.Type != "next" {
			t.Fatalf("subscription %d: %s %s", i, m.Type, m.Payload)
		}
	}
	c.subscribe(t, "21", seatsSubscription, vars)
	c.expectError(t, "at most 20 subscriptions")
	// Ending one makes room for another.
	c.send(t, wsMsg{ID: "1", Type: "complete"})
	time.Sleep(100 * time.Millisecond)
	c.subscribe(t, "22", seatsSubscription, vars)
	m := c.next(t, 5*time.Second)
	for m.Type == "complete" && m.ID == "1" {
		m = c.next(t, 5*time.Second)
	}
	if m.Type != "next" || m.ID != "22" {
		t.Errorf("after one ended: %s %s %s", m.ID, m.Type, m.Payload)
	}
}

// TestDraftNeverReachesPublic: a public subscriber cannot subscribe to a draft, and sees
// nothing of a launch while it is a draft.
func TestDraftNeverReachesPublic(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	draft := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetStatus(launch.StatusDRAFT) })
	pub := regLaunch(t, db)
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe(t, "draft", seatsSubscription, map[string]any{"id": strconv.Itoa(draft.ID)})
	c.expectError(t, "NOT_FOUND")
	c.subscribe(t, "pub", `subscription($id: ID!) { launchChanged(id: $id) { id title status } }`,
		map[string]any{"id": strconv.Itoa(pub.ID)})
	warmUp(t, db, pub, []*wsClient{c})
	ctx := context.Background()
	db.Client.Launch.UpdateOneID(pub.ID).SetStatus(launch.StatusDRAFT).SetTitle("Secret").ExecX(ctx)
	// The sentinel: published after the draft, it must be the next message.
	db.Client.Launch.UpdateOneID(pub.ID).SetStatus(launch.StatusPUBLISHED).SetTitle("Public").ExecX(ctx)
	var got struct {
		LaunchChanged struct{ Title, Status string }
	}
	c.next(t, 5*time.Second).data(t, &got)
	if got.LaunchChanged.Title != "Public" || got.LaunchChanged.Status != "PUBLISHED" {
		t.Errorf("got %+v, want the published launch (the sentinel) and never the draft", got.LaunchChanged)
	}
}

// TestRolledBackMutationEmitsNothing: only committed changes are published.
func TestRolledBackMutationEmitsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l, sentinel := regLaunch(t, db), regLaunch(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		evs, err := db.Events.Subscribe(ctx, nil, 16)
		if err != nil {
			t.Fatal(err)
		}
		// The rolled-back change of l, then the committed one of sentinel: the first event
		// must be the sentinel's.
		for _, tc := range []struct {
			id     int
			commit bool
		}{{l.ID, false}, {sentinel.ID, true}} {
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tx.Launch.UpdateOneID(tc.id).SetTitle("Changed " + strconv.FormatBool(tc.commit)).ExecX(ctx)
			if tc.commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		select {
		case ev := <-evs:
			if ev.Type != "Launch" || ev.LaunchID != sentinel.ID || ev.Change != "UPDATED" {
				t.Errorf("first event %+v, want the committed change of launch %d (the rolled-back one of %d sends nothing)",
					ev, sentinel.ID, l.ID)
			}
		case <-time.After(10 * time.Second):
			t.Error("committed: no event")
		}
	})
}

// countGoroutines waits for the count to settle at or below want, returning the last.
func countGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestNoGoroutineLeak: subscribers that go away leave nothing running.
func TestNoGoroutineLeak(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db)
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	before := countGoroutines(0)
	for round := 0; round < 3; round++ {
		for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
			c, err := dialWS(t, srv.URL, proto, map[string]any{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				c.subscribe(t, strconv.Itoa(i), seatsSubscription, vars)
				c.next(t, 5*time.Second)
			}
			_ = c.conn.CloseNow() // abrupt: no complete, no close frame
		}
		ctx, cancel := context.WithCancel(context.Background())
		sse := sseStream(t, ctx, srv.URL, "", seatsSubscription, vars)
		<-sse
		cancel()
	}
	srv.CloseClientConnections()
	if after := countGoroutines(before + 2); after > before+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	if h, ok := db.Events.(interface{ Subscribers() int }); ok {
		// A closed stream unsubscribes as its goroutine ends: give the last one a moment.
		for deadline := time.Now().Add(5 * time.Second); h.Subscribers() != 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if n := h.Subscribers(); n != 0 {
			t.Errorf("%d subscribers left", n)
		}
	}
}

// pgPair is two servers over two stores opened on one PostgreSQL database.
func pgPair(t *testing.T) (a, b *httptest.Server, dbA, dbB *store.DB) {
	t.Helper()
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	dbA, dbB = open(), open()
	if err := dbA.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return testServer(t, dbA), testServer(t, dbB), dbA, dbB
}

// TestCrossInstance: a subscriber on B sees a registration made on A within 1 s, and an
// admin subscriber on B its registrationChanged.
func TestCrossInstance(t *testing.T) {
	a, b, dbA, _ := pgPair(t)
	l := regLaunch(t, dbA, func(c *ent.LaunchCreate) { c.SetCapacity(5) })
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	pub, err := dialWS(t, b.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub.subscribe(t, "s", seatsSubscription, vars)
	var initial seatsEvent
	pub.next(t, 5*time.Second).data(t, &initial)
	admin, err := dialWS(t, b.URL, "graphql-ws", map[string]any{"authorization": "Bearer " + adminKey(t, dbA)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin.subscribe(t, "r", `subscription($id: ID) {
	  registrationChanged(launchId: $id) { registrantId previousStatus status registrant { email } }
	}`, vars)
	// The public may not subscribe to registrationChanged.
	pub.subscribe(t, "forbidden", `subscription { registrationChanged { registrantId } }`, nil)
	pub.expectError(t, "FORBIDDEN")
	time.Sleep(100 * time.Millisecond)

	start := time.Now()
	newRegClient(a.URL, "").register(t, regInput(l.ID, "b@example.org"))
	var seats seatsEvent
	pub.next(t, time.Second).data(t, &seats)
	seatsLatency := time.Since(start)
	if seats.SeatsChanged.Confirmed != 1 {
		t.Errorf("seats on B: %+v, want 1 confirmed", seats.SeatsChanged)
	}
	var reg struct {
		RegistrationChanged struct {
			RegistrantID   string
			PreviousStatus *string
			Status         string
			Registrant     struct{ Email string }
		}
	}
	admin.next(t, time.Second).data(t, &reg)
	if r := reg.RegistrationChanged; r.PreviousStatus != nil || r.Status != "CONFIRMED" || r.Registrant.Email != "b@example.org" {
		t.Errorf("registrationChanged on B: %+v", r)
	}
	t.Logf("register on A → seatsChanged on B: %s", seatsLatency)
}

// TestListenerReconnect: after the listener's backend is terminated, subscribers get a
// fresh snapshot and later events still arrive.
func TestListenerReconnect(t *testing.T) {
	a, b, dbA, dbB := pgPair(t)
	l := regLaunch(t, dbA, func(c *ent.LaunchCreate) { c.SetCapacity(5) })
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	c, err := dialWS(t, b.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe(t, "s", seatsSubscription, vars)
	c.next(t, 5*time.Second)

	// A change while the listener is down is lost as a notification, but the resync
	// snapshot after the reconnect shows it. Each replica listens (its API-key cache
	// follows key events).
	ctx := context.Background()
	var n int
	if err := dbA.SQL.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'launchgraph_listener' AND datname = current_database()`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("terminated %d listeners, want 2: %v", n, err)
	}
	newRegClient(a.URL, "").register(t, regInput(l.ID, "c@example.org"))
	var got seatsEvent
	c.next(t, 10*time.Second).data(t, &got)
	if got.SeatsChanged.Confirmed != 1 {
		t.Errorf("after reconnect: %+v, want 1 confirmed", got.SeatsChanged)
	}
	_ = dbB
	newRegClient(a.URL, "").register(t, regInput(l.ID, "d@example.org"))
	c.next(t, 5*time.Second).data(t, &got)
	if got.SeatsChanged.Confirmed != 2 {
		t.Errorf("later event: %+v, want 2 confirmed", got.SeatsChanged)
	}
}

// TestShutdownClosesStreams: when shutdown starts, websockets get a normal close and SSE
// streams end, so run returns well within the grace period.
func TestShutdownClosesStreams(t *testing.T) {
	rs := launchServer(t, map[string]string{"DATA_DIR": t.TempDir(), "SHUTDOWN_DRAIN": "0s", "SHUTDOWN_GRACE": "20s"})
	url := rs.url
	var got struct {
		Launches struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	mustData(t, url, `{ launches(first: 1) { edges { node { id } } } }`, nil, &got)
	if len(got.Launches.Edges) == 0 {
		t.Fatal("no seeded launch")
	}
	vars := map[string]any{"id": got.Launches.Edges[0].Node.ID}
	c, err := dialWS(t, url, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe(t, "1", seatsSubscription, vars)
	c.next(t, 5*time.Second)
	sctx, scancel := context.WithCancel(context.Background())
	defer scancel()
	sse := sseStream(t, sctx, url, "", seatsSubscription, vars)
	<-sse

	start := time.Now()
	rs.stop()
	if err := rs.wait(t, 10*time.Second); err != nil {
		t.Fatalf("run: %v", err)
	}
	for range c.msgs { // until the close
	}
	if code := websocket.CloseStatus(<-c.err); code != websocket.StatusNormalClosure {
		t.Errorf("websocket close %d, want 1000", code)
	}
	for range sse {
	}
	t.Logf("shutdown with a websocket and an SSE stream open: %s", time.Since(start).Round(time.Millisecond))
}

// TestOversizedFrameClosesSocket: a 2 MB frame closes the socket (1009, message too big)
// and the server keeps serving.
func TestOversizedFrameClosesSocket(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db)
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	big := `{"id":"1","type":"subscribe","payload":{"query":"` + strings.Repeat(" ", 2<<20) + `{ __typename }"}}`
	_ = c.conn.Write(context.Background(), websocket.MessageText, []byte(big))
	select {
	case err := <-c.err:
		if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
			t.Fatalf("close %d (%v), want 1009", got, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("socket still open after a 2 MB frame")
	}
	var got launchesResult
	mustData(t, srv.URL, launchesQuery, nil, &got)
	if got.Launches.TotalCount != 5 {
		t.Fatalf("server unhealthy afterwards: %d launches", got.Launches.TotalCount)
	}
}

// TestDraftSharedLoadsStayPerRole: with an admin and a public subscriber of one launch
// (whose loads are shared per role), the admin receives the launch turned DRAFT and the
// public subscriber nothing.
func TestDraftSharedLoadsStayPerRole(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db)
	q := `subscription($id: ID!) { launchChanged(id: $id) { title status } }`
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	admin, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + adminKey(t, db)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	public, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin.subscribe(t, "1", q, vars)
	public.subscribe(t, "1", q, vars)
	warmUp(t, db, l, []*wsClient{admin, public})
	ctx := context.Background()
	db.Client.Launch.UpdateOneID(l.ID).SetStatus(launch.StatusDRAFT).SetTitle("Secret").ExecX(ctx)
	var got struct {
		LaunchChanged struct{ Title, Status string }
	}
	admin.next(t, 5*time.Second).data(t, &got)
	if got.LaunchChanged.Title != "Secret" || got.LaunchChanged.Status != "DRAFT" {
		t.Errorf("admin got %+v, want the draft", got.LaunchChanged)
	}
	// The sentinel: published after the draft, it must be the public subscriber's next message.
	db.Client.Launch.UpdateOneID(l.ID).SetStatus(launch.StatusPUBLISHED).SetTitle("Sentinel").ExecX(ctx)
	public.next(t, 5*time.Second).data(t, &got)
	if got.LaunchChanged.Title != "Sentinel" {
		t.Fatalf("public subscriber got %+v before the sentinel", got.LaunchChanged)
	}
}
