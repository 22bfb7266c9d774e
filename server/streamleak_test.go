package main

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/internal/store/storetest"
)

// TestClosedStreamsAreFreed: a websocket (or SSE stream) that has gone leaves no memory
// behind. Before, every socket and every subscription registered a hook on the server's
// lifetime context (to be closed at shutdown) and never removed it, so the socket's
// context, request, buffers and connection stayed reachable until the process ended:
// ~45 KB per connection ever opened.
func TestClosedStreamsAreFreed(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, unlimited)
	l := regLaunch(t, db)
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	subscribers := func() int {
		if h, ok := db.Events.(interface{ Subscribers() int }); ok {
			return h.Subscribers()
		}
		return 0
	}
	open := func(n int) {
		for i := 0; i < n; i++ {
			openSubscribeClose(t, srv.URL, vars)
		}
		ctx, cancel := context.WithCancel(context.Background())
		<-sseStream(t, ctx, srv.URL, "", seatsSubscription, vars)
		cancel()
		for deadline := time.Now().Add(10 * time.Second); subscribers() != 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		countGoroutines(0) // the server's per-socket goroutines end after the close
	}
	open(20) // pools and caches warm
	before := heapAfterGC()
	const sockets = 300
	open(sockets)
	after := heapAfterGC()
	// A retained socket costs ~45 KB; allow ~5 KB per socket for noise (pools, maps).
	grew := int64(after) - int64(before)
	t.Logf("heap %+d kB over %d closed sockets", grew>>10, sockets)
	if grew > sockets*5<<10 {
		t.Errorf("heap grew by %d kB over %d closed sockets (%d B each): something keeps them", grew>>10, sockets, grew/sockets)
	}
}

// openSubscribeClose opens a graphql-transport-ws socket, subscribes, reads the first
// state and drops the connection, keeping no reference to it.
func openSubscribeClose(t *testing.T, url string, vars map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(url), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	sub := `{"id":"1","type":"subscribe","payload":` + string(mustJSON(map[string]any{"query": seatsSubscription, "variables": vars})) + `}`
	for _, msg := range []string{`{"type":"connection_init","payload":{}}`, sub} {
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	for seen := 0; seen < 2; seen++ { // connection_ack, then the first next
		if _, _, err := conn.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// heapAfterGC is the live heap after a full collection.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
