package graph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Close codes of the graphql-transport-ws protocol that gqlgen does not send itself.
const (
	CloseBadRequest        = 4400 // a message that is not JSON, or of no known type
	CloseUnauthorized      = 4401 // subscribe before connection_ack
	CloseInitTimeout       = 4408 // no connection_init within the init timeout
	CloseSubscriberExists  = 4409 // subscribe with the id of an active operation
	CloseTooManyInitialise = 4429 // a second connection_init
	// CloseTryAgainLater (RFC 6455 1013) closes a socket that cannot be served now (the
	// database is down): clients retry it, unlike 4403.
	CloseTryAgainLater = 1013
)

// errClosedByProtocol ends gqlgen's read loop after the protocol closed the socket.
var errClosedByProtocol = errors.New("websocket closed for a protocol violation")

// protocolImplementation accepts websockets through coderImplementation and wraps each in
// a protocolConn.
type protocolImplementation struct {
	inner coderImplementation
	// writes closes a socket whose write does not finish within the write timeout.
	writes *writeWatch
	// keepAlive is how often the socket gets a ping (graphql-transport-ws) or a ka
	// (graphql-ws); 0 sends none.
	keepAlive time.Duration
}

func (p protocolImplementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := p.inner.accept(smallBuffers{w}, r, opts)
	if err != nil {
		return nil, err
	}
	pc := &protocolConn{conn: c, keepAliveEvery: p.keepAlive,
		active: map[string]bool{}, stopped: map[string]int{}}
	pc.writes, pc.unwatch = p.writes.add(func() { _ = c.close() })
	if h, ok := r.Context().Value(connHolderKey{}).(*connHolder); ok {
		h.conn = pc
		close(h.accepted)
	}
	return pc, nil
}

// Buffer sizes of an accepted websocket. net/http hands over its connection's 4 KB reader
// and 4 KB writer on hijack, which coder/websocket keeps for the socket's life: a third of
// an idle socket's heap. Client messages are small, and a frame larger than the writer's
// buffer is written past it, so small buffers cost no extra system call on the common
// path (a ~200-byte event is one write either way).
const (
	socketReadBuffer  = 512
	socketWriteBuffer = 1024
)

// smallBuffers is a ResponseWriter whose Hijack swaps net/http's buffers for small ones
// (keeping any bytes the client already sent).
type smallBuffers struct{ http.ResponseWriter }

// Hijack implements http.Hijacker. The 101 response net/http buffered is flushed first; the
// bytes the client sent past its request stay first in the new reader's buffer (where
// coder/websocket looks for them).
func (s smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	n := brw.Reader.Buffered()
	if n > socketReadBuffer {
		return conn, brw, nil
	}
	if err := brw.Writer.Flush(); err != nil {
		return conn, brw, nil // the write fails again, and is reported, on the socket's first
	}
	br := bufio.NewReaderSize(conn, socketReadBuffer)
	if n > 0 {
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn), socketReadBuffer)
		if _, err := br.Peek(n); err != nil {
			return conn, brw, nil
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, socketWriteBuffer)), nil
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (s smallBuffers) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// protocolConn follows the graphql-transport-ws protocol where gqlgen's transport does not:
// it refuses a duplicate operation id (4409), a second connection_init (4429), a subscribe
// before the connection is acknowledged (4401) and a malformed message (4400), turns
// gqlgen's 1002 closes into 4408 (init timeout) and 4400, and drops a client that stops
// reading: a write that does not finish within the write timeout closes the socket. The legacy
// graphql-ws subprotocol gets the same checks except duplicate ids, which it does not define.
type protocolConn struct {
	conn *coderConn
	// writes closes the socket when a write outlasts the write timeout; unwatch ends that.
	writes  *writeGuard
	unwatch func()

	mu     sync.Mutex
	inited bool
	acked  bool
	// keepAlive's timer sends the next ping or ka; pong says a pong came since the last
	// ping; closed stops the timer for good.
	keepAlive      *time.Timer
	keepAliveEvery time.Duration
	pong           bool
	closed         bool
	active         map[string]bool // ids from the client's subscribe until either side completes
	// stopped counts, per id, the operations the client completed while they ran: gqlgen
	// still sends their complete, which the protocol forbids (and which a client that
	// reused the id would take for its new operation's end).
	stopped map[string]int
}

// clientMessage is the part of a client message the protocol checks read.
type clientMessage struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// NextReader returns the next client message after checking it against the protocol;
// a violation closes the socket with its code and ends gqlgen's read loop.
func (c *protocolConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.read()
	if err != nil {
		c.stopKeepAlive() // gqlgen's read loop ends
		return typ, nil, err
	}
	var m clientMessage
	if json.Unmarshal(data, &m) != nil || m.Type == "" {
		return typ, nil, c.refuse(CloseBadRequest, "Invalid message received")
	}
	if code, reason := c.check(m); code != 0 {
		return typ, nil, c.refuse(code, reason)
	}
	return typ, bytes.NewReader(data), nil
}

// check applies the protocol to client message m and records its effect.
func (c *protocolConn) check(m clientMessage) (int, string) {
	legacy := c.Subprotocol() != "graphql-transport-ws"
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case "connection_init":
		if c.inited {
			return CloseTooManyInitialise, "Too many initialisation requests"
		}
		c.inited = true
	case "subscribe", "start":
		if !c.acked {
			return CloseUnauthorized, "Unauthorized"
		}
		if !legacy && c.active[m.ID] {
			return CloseSubscriberExists, fmt.Sprintf("Subscriber for %s already exists", m.ID)
		}
		c.active[m.ID] = true
	case "complete", "stop":
		if c.active[m.ID] {
			delete(c.active, m.ID)
			c.stopped[m.ID]++
		}
	case "pong":
		c.pong = true
	case "ping", "connection_terminate":
	default:
		return CloseBadRequest, "Invalid message received"
	}
	return 0, ""
}

// refuse closes the socket with code and returns the error that ends the read loop.
func (c *protocolConn) refuse(code int, reason string) error {
	_ = c.conn.writeClose(code, reason)
	return errClosedByProtocol
}

// WriteJSON sends a server message, closing the socket when the client does not take it
// within the write timeout; it notes the connection_ack and the operations that ended, and
// drops the end of an operation the client completed itself. gqlgen's messages are
// written without marshalling their payload again (coderConn.writeMessage).
func (c *protocolConn) WriteJSON(v any) error {
	m, isMessage := serverMessageOf(v)
	typ, id := m.Type, m.ID
	c.mu.Lock()
	switch typ {
	case "connection_ack":
		c.acked = true
		defer c.startKeepAlive(c.keepAliveEvery) // after the ack is written
	case "complete", "error":
		if c.stopped[id] > 0 {
			if c.stopped[id]--; c.stopped[id] == 0 {
				delete(c.stopped, id)
			}
			c.mu.Unlock()
			return nil
		}
		delete(c.active, id)
	}
	c.mu.Unlock()
	c.writes.begin()
	defer c.writes.end()
	if isMessage {
		return c.conn.writeMessage(m)
	}
	return c.conn.writeJSON(v)
}

// WriteClose closes with gqlgen's code, but 4408 for its init timeout and 4400 for its
// other protocol errors (it says 1002 for both).
func (c *protocolConn) WriteClose(code int, reason string) error {
	if code == transport.WebsocketCloseProtocolError {
		code = CloseBadRequest
		if reason == "connection initialisation timeout" {
			code, reason = CloseInitTimeout, "Connection initialisation timeout"
		}
	}
	return c.conn.writeClose(code, reason)
}

// Subprotocol is the negotiated subprotocol.
func (c *protocolConn) Subprotocol() string { return c.conn.conn.Subprotocol() }

// startKeepAlive sends a ping (graphql-transport-ws) or a ka (graphql-ws) every interval
// once the connection is acknowledged, from a timer rather than a goroutine per socket
// (gqlgen's keep-alive and ping loops are turned off). As in gqlgen, a graphql-transport-ws client must answer: the read deadline
// is twice the interval from the start and from each ping that follows a pong, and gqlgen
// clears it when a pong arrives.
func (c *protocolConn) startKeepAlive(interval time.Duration) {
	if interval <= 0 {
		return
	}
	pings := c.Subprotocol() == "graphql-transport-ws"
	msg := map[string]string{"type": "ka"}
	if pings {
		msg["type"] = "ping"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.keepAlive != nil {
		return
	}
	if pings {
		_ = c.SetReadDeadline(time.Now().Add(2 * interval))
	}
	c.keepAlive = time.AfterFunc(interval, func() {
		if err := c.WriteJSON(msg); err != nil {
			c.stopKeepAlive()
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if pings && c.pong {
			_ = c.SetReadDeadline(time.Now().Add(2 * interval))
		}
		c.pong = false
		if !c.closed {
			c.keepAlive.Reset(interval)
		}
	})
}

// stopKeepAlive ends the keep-alive messages and the write watch (the socket is over).
func (c *protocolConn) stopKeepAlive() {
	c.unwatch()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
}

// Close closes the socket and stops its keep-alive.
func (c *protocolConn) Close() error {
	c.stopKeepAlive()
	return c.conn.close()
}

// SetReadLimit passes the read limit to the adapter.
func (c *protocolConn) SetReadLimit(limit int64) { c.conn.conn.SetReadLimit(limit) }

// SetReadDeadline passes the read deadline (missing pongs) to the adapter.
func (c *protocolConn) SetReadDeadline(t time.Time) error { return c.conn.setReadDeadline(t) }
