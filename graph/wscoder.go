package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// coderImplementation accepts websockets with coder/websocket, as gqlgen's
// CoderWebsocketImplementation does. Its connections write gqlgen's server messages without
// marshalling their payload a second time: gqlgen has already marshalled it, and
// json.Marshal of the message would scan and copy it again (a tenth of the server's CPU per
// delivered subscription event).
type coderImplementation struct{ options websocket.AcceptOptions }

// accept upgrades the request, offering gqlgen's subprotocols and ours.
func (u coderImplementation) accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (*coderConn, error) {
	for key, values := range opts.ResponseHeader {
		for _, value := range values {
			w.Header().Add(key, value)
		}
	}
	options := u.options
	options.Subprotocols = slices.Clone(options.Subprotocols)
	for _, p := range opts.Subprotocols {
		if !slices.Contains(options.Subprotocols, p) {
			options.Subprotocols = append(options.Subprotocols, p)
		}
	}
	conn, err := websocket.Accept(w, r, &options)
	if err != nil {
		return nil, err
	}
	return &coderConn{conn: conn}, nil
}

// coderConn is one accepted websocket (gqlgen's coderWebsocketConn, plus writeMessage).
type coderConn struct {
	conn *websocket.Conn

	mu           sync.Mutex
	readDeadline *time.Timer
	closing      bool // WriteClose's handshake owns the connection's end
}

// read returns the next message, or transport.ErrWebsocketClosed once the client closed
// normally.
func (c *coderConn) read() (int, []byte, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), data, nil
}

// writeJSON sends v: gqlgen's messages through writeMessage, anything else marshalled.
func (c *coderConn) writeJSON(v any) error {
	if m, ok := serverMessageOf(v); ok {
		return c.writeMessage(m)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.conn.Write(context.Background(), websocket.MessageText, data)
}

// writeMessage sends m as the bytes json.Marshal gives gqlgen's message struct.
func (c *coderConn) writeMessage(m serverMessage) error {
	bp := messageBuffers.Get().(*[]byte)
	*bp = m.appendJSON((*bp)[:0])
	err := c.conn.Write(context.Background(), websocket.MessageText, *bp)
	if cap(*bp) <= 64<<10 { // a rare large response does not stay pooled
		messageBuffers.Put(bp)
	}
	return err
}

var messageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// writeClose closes with code and reason. coder/websocket's Close waits up to 5 s for the
// client's close frame; it runs on its own goroutine so that gqlgen's teardown (CloseFunc)
// does not wait on a slow or absent client.
func (c *coderConn) writeClose(code int, reason string) error {
	c.stopReadDeadline()
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.mu.Unlock()
	go func() { _ = c.conn.Close(websocket.StatusCode(code), reason) }()
	return nil
}

// close ends the connection now, unless writeClose's handshake is ending it.
func (c *coderConn) close() error {
	c.stopReadDeadline()
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing {
		return nil
	}
	return c.conn.CloseNow()
}

// setReadDeadline closes the connection at t (a missing pong) unless it is moved or
// cleared (zero) first.
func (c *coderConn) setReadDeadline(t time.Time) error {
	c.mu.Lock()
	if c.readDeadline != nil {
		c.readDeadline.Stop()
		c.readDeadline = nil
	}
	if t.IsZero() {
		c.mu.Unlock()
		return nil
	}
	d := time.Until(t)
	if d > 0 {
		c.readDeadline = time.AfterFunc(d, func() { _ = c.conn.CloseNow() })
	}
	c.mu.Unlock()
	if d <= 0 {
		return c.conn.CloseNow()
	}
	return nil
}

func (c *coderConn) stopReadDeadline() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readDeadline != nil {
		c.readDeadline.Stop()
		c.readDeadline = nil
	}
}

// serverMessage is one of gqlgen's server messages, read from its (unexported) struct: a
// payload that is JSON already, an id, a type.
type serverMessage struct {
	Payload []byte
	ID      string
	Type    string
}

// appendJSON appends m as json.Marshal writes gqlgen's struct
// {Payload json.RawMessage `json:"payload,omitempty"`; ID string `json:"id,omitempty"`;
// Type string `json:"type"`}. The payload is written as it is: gqlgen marshalled it with
// encoding/json, so it is compact, valid and HTML-escaped already, which is what
// json.Marshal would make of it again.
func (m serverMessage) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if len(m.Payload) > 0 {
		b = append(b, `"payload":`...)
		b = append(b, m.Payload...)
		b = append(b, ',')
	}
	if m.ID != "" {
		b = append(b, `"id":`...)
		b = appendJSONString(b, m.ID)
		b = append(b, ',')
	}
	b = append(b, `"type":`...)
	b = appendJSONString(b, m.Type)
	return append(b, '}')
}

// appendJSONString appends s as encoding/json quotes it (escaping HTML characters too).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// messageFields are the field indexes of a gqlgen message struct type.
type messageFields struct{ payload, id, typ int }

var messageLayouts sync.Map // reflect.Type → messageFields, or false when not a message

// serverMessageOf reads v as one of gqlgen's message structs (a pointer to a struct whose
// exported fields are exactly Payload json.RawMessage, ID string and Type string, tagged
// as json.Marshal expects above).
func serverMessageOf(v any) (serverMessage, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return serverMessage{}, false
	}
	rv = rv.Elem()
	layout, ok := messageLayouts.Load(rv.Type())
	if !ok {
		layout, _ = messageLayouts.LoadOrStore(rv.Type(), messageLayoutOf(rv.Type()))
	}
	f, ok := layout.(messageFields)
	if !ok {
		return serverMessage{}, false
	}
	return serverMessage{
		Payload: rv.Field(f.payload).Bytes(),
		ID:      rv.Field(f.id).String(),
		Type:    rv.Field(f.typ).String(),
	}, true
}

// messageLayoutOf returns t's messageFields, or false when t is not laid out as gqlgen's
// messages are (then the message is marshalled).
func messageLayoutOf(t reflect.Type) any {
	want := map[string]struct {
		tag  string
		kind reflect.Kind
	}{
		"Payload": {"payload,omitempty", reflect.Slice},
		"ID":      {"id,omitempty", reflect.String},
		"Type":    {"type", reflect.String},
	}
	f := messageFields{-1, -1, -1}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		w, ok := want[sf.Name]
		if !ok || sf.Tag.Get("json") != w.tag || sf.Type.Kind() != w.kind {
			return false
		}
		switch sf.Name {
		case "Payload":
			if sf.Type != reflect.TypeFor[json.RawMessage]() {
				return false
			}
			f.payload = i
		case "ID":
			f.id = i
		case "Type":
			if reflect.PointerTo(sf.Type).Implements(reflect.TypeFor[json.Marshaler]()) ||
				sf.Type.Implements(reflect.TypeFor[json.Marshaler]()) {
				return false
			}
			f.typ = i
		}
	}
	if f.payload < 0 || f.id < 0 || f.typ < 0 {
		return false
	}
	return f
}
