package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/internal/store/storetest"
)

// FuzzWebsocketMessage sends one arbitrary message after connection_init on both
// subprotocols; invariants: the server neither panics nor stops answering, whatever the
// socket does with the message, never answers INTERNAL, answers with at most a constant
// times the message and spends bounded CPU on it (the same bounds as FuzzGraphQLBody).
func FuzzWebsocketMessage(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1","type":"subscribe","payload":{"query":"subscription { seatsChanged(launchId: 1) { confirmed } }"}}`,
		`{"id":"1","type":"start","payload":{"query":"subscription { launchChanged(id: \"x\") { id } }"}}`,
		`{"id":"1","type":"subscribe","payload":{"query":"{ regions { totalCount } }"}}`,
		`{"id":"1","type":"complete"}`, `{"type":"ping"}`, `{"type":"connection_init"}`,
		`{"id":null,"type":"subscribe","payload":null}`, `{"type":"stop","id":"9"}`,
		`{"id":"1","type":"subscribe","payload":{"query":"subscription { registrationChanged { status } }","variables":[]}}`,
		`[]`, `"x"`, `{`, ``, "\x00\xff",
		`{"id":"1","type":"subscribe","payload":{"query":` + quote(sameName(1100)) + `}}`,
		`{"id":"1","type":"subscribe","payload":{"query":` + quote(fragmentLevels(27)) + `}}`,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	db := seeded(f, storetest.SQLite(f))
	// Rate limits off: the fuzzer dials thousands of sockets from one address, and the
	// per-IP limit answering 429 is not what this target is about.
	srv := testServer(f, db, unlimited)
	f.Fuzz(func(t *testing.T, msg []byte, transportWS bool) {
		proto := "graphql-ws"
		if transportWS {
			proto = "graphql-transport-ws"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, wsURL(srv.URL), &websocket.DialOptions{Subprotocols: []string{proto}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer conn.CloseNow()
		_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`))
		start := cpuTime()
		_ = conn.Write(ctx, websocket.MessageText, msg)
		rctx, rcancel := context.WithTimeout(ctx, 50*time.Millisecond)
		received := 0
		for {
			_, data, err := conn.Read(rctx)
			if err != nil {
				break
			}
			received += len(data)
			if strings.Contains(string(data), `"code":"INTERNAL"`) {
				t.Fatalf("INTERNAL for %q: %.500s", msg, data)
			}
		}
		rcancel()
		if cpu := cpuTime() - start; cpu > fuzzCPU*raceFactor {
			t.Fatalf("%v of CPU for a message of %d bytes", cpu, len(msg))
		}
		if received > fuzzReplyBase+fuzzReplyFactor*len(msg) {
			t.Fatalf("%d bytes of answers to a message of %d", received, len(msg))
		}
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("server unhealthy after %q: %v", msg, err)
		}
		resp.Body.Close()
	})
}
