package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/internal/store/storetest"
)

// FuzzWebsocketMessage sends one arbitrary message after connection_init on both
// subprotocols; invariant: the server neither panics nor stops answering, whatever the
// socket does with the message.
func FuzzWebsocketMessage(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1","type":"subscribe","payload":{"query":"subscription { seatsChanged(launchId: 1) { confirmed } }"}}`,
		`{"id":"1","type":"start","payload":{"query":"subscription { launchChanged(id: \"x\") { id } }"}}`,
		`{"id":"1","type":"subscribe","payload":{"query":"{ regions { totalCount } }"}}`,
		`{"id":"1","type":"complete"}`, `{"type":"ping"}`, `{"type":"connection_init"}`,
		`{"id":null,"type":"subscribe","payload":null}`, `{"type":"stop","id":"9"}`,
		`{"id":"1","type":"subscribe","payload":{"query":"subscription { registrationChanged { status } }","variables":[]}}`,
		`[]`, `"x"`, `{`, ``, "\x00\xff",
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	db := seeded(f, storetest.SQLite(f))
	srv := testServer(f, db)
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
		_ = conn.Write(ctx, websocket.MessageText, msg)
		rctx, rcancel := context.WithTimeout(ctx, 50*time.Millisecond)
		for {
			if _, _, err := conn.Read(rctx); err != nil {
				break
			}
		}
		rcancel()
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("server unhealthy after %q: %v", msg, err)
		}
		resp.Body.Close()
	})
}
