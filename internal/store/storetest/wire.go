package storetest

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"time"

	"launchgraph/internal/store"
)

// Wire is a lib/pq dialer (store.Config.Dialer) that reads the PostgreSQL protocol
// messages each connection sends, so that tests can count what the driver really does:
// round trips, statements prepared, statements run. Its methods are safe for concurrent
// use.
type Wire struct {
	d     net.Dialer
	mu    sync.Mutex
	conns []*wireConn
}

// WireStats counts the messages sent on one connection, or on all of them.
type WireStats struct {
	// Writes counts the writes to the socket.
	Writes int
	// RoundTrips counts the Sync and simple Query messages: after each the driver waits
	// for the server's ReadyForQuery.
	RoundTrips int
	// Prepares counts the Parse messages of named (prepared) statements by SQL text.
	Prepares map[string]int
	// UnnamedParses counts the Parse messages of unnamed, single-use statements.
	UnnamedParses int
	// Binds counts the Bind messages: executions of a parsed statement.
	Binds int
	// Closes counts the Close messages (prepared statements closed).
	Closes int
	// Queries counts the simple Query messages.
	Queries int
}

// Use returns an option for Postgres and friends that opens the store's connections
// through w.
func (w *Wire) Use() func(*store.Config) {
	return func(cfg *store.Config) { cfg.Dialer = w }
}

// Dial opens a counted connection.
func (w *Wire) Dial(network, address string) (net.Conn, error) {
	return w.DialContext(context.Background(), network, address)
}

// DialTimeout opens a counted connection.
func (w *Wire) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return w.DialContext(ctx, network, address)
}

// DialContext opens a counted connection.
func (w *Wire) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := w.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	wc := &wireConn{Conn: c, stats: WireStats{Prepares: map[string]int{}}}
	w.mu.Lock()
	w.conns = append(w.conns, wc)
	w.mu.Unlock()
	return wc, nil
}

// Conns returns the counts of each connection opened so far, in the order they were
// opened (cancel-request connections included, with nothing counted).
func (w *Wire) Conns() []WireStats {
	w.mu.Lock()
	conns := append([]*wireConn(nil), w.conns...)
	w.mu.Unlock()
	out := make([]WireStats, len(conns))
	for i, c := range conns {
		out[i] = c.snapshot()
	}
	return out
}

// Total returns the counts summed over every connection.
func (w *Wire) Total() WireStats {
	total := WireStats{Prepares: map[string]int{}}
	for _, s := range w.Conns() {
		total.Writes += s.Writes
		total.RoundTrips += s.RoundTrips
		total.UnnamedParses += s.UnnamedParses
		total.Binds += s.Binds
		total.Closes += s.Closes
		total.Queries += s.Queries
		for q, n := range s.Prepares {
			total.Prepares[q] += n
		}
	}
	return total
}

// Sub returns the counts of s less those of before (taken earlier).
func (s WireStats) Sub(before WireStats) WireStats {
	d := WireStats{
		Writes:        s.Writes - before.Writes,
		RoundTrips:    s.RoundTrips - before.RoundTrips,
		UnnamedParses: s.UnnamedParses - before.UnnamedParses,
		Binds:         s.Binds - before.Binds,
		Closes:        s.Closes - before.Closes,
		Queries:       s.Queries - before.Queries,
		Prepares:      map[string]int{},
	}
	for q, n := range s.Prepares {
		if n -= before.Prepares[q]; n != 0 {
			d.Prepares[q] = n
		}
	}
	return d
}

// wireConn parses the frontend messages written to its connection.
type wireConn struct {
	net.Conn
	mu      sync.Mutex
	started bool   // the untyped startup packet has been seen
	opaque  bool   // TLS or something unexpected: stop parsing
	buf     []byte // an incomplete message carried to the next write
	stats   WireStats
}

// protocolV3 is the version in a startup packet.
const protocolV3 = 196608

// sslRequest and gssRequest are the codes of the untyped packets that ask for encryption
// before the startup packet.
const (
	sslRequest = 80877103
	gssRequest = 80877104
)

func (c *wireConn) Write(p []byte) (int, error) {
	c.observe(p)
	return c.Conn.Write(p)
}

func (c *wireConn) observe(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opaque {
		return
	}
	c.stats.Writes++
	if !c.started {
		// Untyped packets: length, then a code. lib/pq writes each in one call.
		if len(p) < 8 {
			c.opaque = true
			return
		}
		switch binary.BigEndian.Uint32(p[4:8]) {
		case sslRequest, gssRequest:
			// Encryption is only used when the server agrees: if it does, the next
			// write is not a startup packet and parsing stops there.
		case protocolV3:
			c.started = true
		default: // a cancel request, or a TLS record
			c.opaque = true
		}
		return
	}
	c.buf = append(c.buf, p...)
	for len(c.buf) >= 5 {
		n := int(binary.BigEndian.Uint32(c.buf[1:5])) + 1
		if n < 5 {
			c.opaque = true
			return
		}
		if len(c.buf) < n {
			return
		}
		c.count(c.buf[0], c.buf[5:n])
		c.buf = c.buf[n:]
	}
	if len(c.buf) == 0 {
		c.buf = nil
	}
}

// count records one message of type typ with body body.
func (c *wireConn) count(typ byte, body []byte) {
	switch typ {
	case 'P': // Parse: name, query, parameter types
		name, rest := cstring(body)
		query, _ := cstring(rest)
		if name == "" {
			c.stats.UnnamedParses++
		} else {
			c.stats.Prepares[query]++
		}
	case 'B':
		c.stats.Binds++
	case 'C':
		c.stats.Closes++
	case 'S':
		c.stats.RoundTrips++
	case 'Q':
		c.stats.RoundTrips++
		c.stats.Queries++
	}
}

// cstring splits a NUL-terminated string off b.
func cstring(b []byte) (string, []byte) {
	for i, x := range b {
		if x == 0 {
			return string(b[:i]), b[i+1:]
		}
	}
	return string(b), nil
}

func (c *wireConn) snapshot() WireStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Prepares = make(map[string]int, len(c.stats.Prepares))
	for q, n := range c.stats.Prepares {
		s.Prepares[q] = n
	}
	return s
}
