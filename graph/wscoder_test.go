package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// recordingConn is a websocket that sends connection_init and then waits, handing each
// value gqlgen writes to wrote.
type recordingConn struct {
	subprotocol string
	sent        bool
	wrote       chan any
	closed      chan struct{}
}

func (c *recordingConn) NextReader() (int, io.Reader, error) {
	if !c.sent {
		c.sent = true
		return 1, bytes.NewReader([]byte(`{"type":"connection_init"}`)), nil
	}
	<-c.closed
	return 0, nil, transport.ErrWebsocketClosed
}
func (c *recordingConn) WriteJSON(v any) error                     { c.wrote <- v; return nil }
func (c *recordingConn) WriteClose(int, string) error              { return nil }
func (c *recordingConn) Subprotocol() string                       { return c.subprotocol }
func (c *recordingConn) Close() error                              { return nil }
func (c *recordingConn) SetReadDeadline(time.Time) error           { return nil }
func (c *recordingConn) SetReadLimit(int64)                        {}
func (c *recordingConn) accept() transport.WebsocketImplementation { return recordingImpl{c} }

type recordingImpl struct{ c *recordingConn }

func (i recordingImpl) Accept(http.ResponseWriter, *http.Request, transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	return i.c, nil
}

// gqlgenMessage returns the value gqlgen's transport writes as its connection_ack on
// subprotocol: a pointer to its own (unexported) message struct.
func gqlgenMessage(t *testing.T, subprotocol string) any {
	t.Helper()
	c := &recordingConn{subprotocol: subprotocol, wrote: make(chan any, 4), closed: make(chan struct{})}
	defer close(c.closed)
	ws := transport.Websocket{Implementation: c.accept()}
	r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	go ws.Do(httptest.NewRecorder(), r, nil)
	select {
	case v := <-c.wrote:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("gqlgen wrote no connection_ack")
		return nil
	}
}

// Every server message of gqlgen's, on both subprotocols, takes the direct path, and its
// bytes are exactly json.Marshal's: for payloads gqlgen marshalled (compact, HTML-escaped,
// any Unicode), ids that need escaping, every message type.
func TestServerMessagesAreWrittenAsJSONMarshalWouldWriteThem(t *testing.T) {
	payloads := []any{
		nil,
		map[string]any{"data": map[string]any{"launchChanged": map[string]any{"title": "Lancement régional <Afrique> & \u2028 «COP» 子供 \"q\" \\"}}},
		map[string]any{"errors": []any{map[string]any{"message": "bad\ninput\t\x01", "extensions": map[string]any{"code": "BAD_USER_INPUT"}}}},
		[]any{1.5, true, nil, "x"},
		map[string]any{},
	}
	ids := []string{"", "1", "sub-42", `a"b`, `back\slash`, "<id>&", "<", ">", "&", "\x7f", "ünï", "tab\there", "\u2028"}
	types := []string{"next", "data", "complete", "error", "connection_ack", "ka", "ping", "pong"}
	for _, sp := range []string{"graphql-transport-ws", "graphql-ws"} {
		v := gqlgenMessage(t, sp)
		if _, ok := serverMessageOf(v); !ok {
			t.Fatalf("%s: gqlgen's message %T does not take the direct path", sp, v)
		}
		rv := reflect.ValueOf(v).Elem()
		for _, p := range payloads {
			var raw []byte
			if p != nil {
				raw, _ = json.Marshal(p)
			}
			for _, id := range ids {
				for _, typ := range types {
					rv.FieldByName("Payload").SetBytes(raw)
					rv.FieldByName("ID").SetString(id)
					rv.FieldByName("Type").SetString(typ)
					want, err := json.Marshal(v)
					if err != nil {
						t.Fatal(err)
					}
					m, _ := serverMessageOf(v)
					if got := m.appendJSON(nil); !bytes.Equal(got, want) {
						t.Errorf("%s %q %q:\n got %s\nwant %s", sp, typ, id, got, want)
					}
				}
			}
		}
	}
}

// Values that are not laid out as gqlgen's messages are marshalled.
func TestOtherValuesAreMarshalled(t *testing.T) {
	type tagged struct {
		Payload json.RawMessage `json:"payload"` // no omitempty
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
	}
	type extra struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		More    int
	}
	for _, v := range []any{map[string]string{"type": "ping"}, &tagged{}, &extra{}, tagged{}, (*tagged)(nil), "x"} {
		if _, ok := serverMessageOf(v); ok {
			t.Errorf("%T took the direct path", v)
		}
	}
}
