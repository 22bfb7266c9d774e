package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// writeWatch closes the websockets whose write has not finished within a timeout (a client
// that stopped reading). One goroutine checks every socket a few times per timeout, instead
// of a timer re-armed and stopped around every message (a twentieth of the server's CPU
// while 1,000 subscribers take 100 changes a second): a write costs two atomic adds (and its lock, which serialises it). A
// stuck write is closed within 1.1 timeouts of its start.
type writeWatch struct {
	timeout time.Duration
	mu      sync.Mutex
	conns   map[*writeGuard]watched
}

// watched is what the watch saw of a socket at its previous check.
type watched struct {
	writes uint64    // the socket's writes counter then
	since  time.Time // when the watch first saw that (odd: mid-write) value
}

// writeGuard is one socket's part: writes is odd while a write is under way (writes are
// serialised: gqlgen's and the keep-alive's).
type writeGuard struct {
	mu     sync.Mutex
	writes atomic.Uint64
	close  func()
}

// newWriteWatch watches sockets until ctx ends; a timeout ≤ 0 watches none.
func newWriteWatch(ctx context.Context, timeout time.Duration) *writeWatch {
	w := &writeWatch{timeout: timeout, conns: map[*writeGuard]watched{}}
	if timeout <= 0 {
		return w
	}
	if ctx == nil {
		ctx = context.Background()
	}
	go w.run(ctx, max(timeout/10, 5*time.Millisecond))
	return w
}

// add watches a socket's writes until the returned remove; close ends the socket.
func (w *writeWatch) add(close func()) (g *writeGuard, remove func()) {
	g = &writeGuard{close: close}
	if w == nil || w.timeout <= 0 {
		return g, func() {}
	}
	w.mu.Lock()
	w.conns[g] = watched{}
	w.mu.Unlock()
	return g, func() {
		w.mu.Lock()
		delete(w.conns, g)
		w.mu.Unlock()
	}
}

// begin starts a watched write, which end finishes.
func (g *writeGuard) begin() {
	g.mu.Lock()
	g.writes.Add(1)
}

// end finishes the write begin started.
func (g *writeGuard) end() {
	g.writes.Add(1)
	g.mu.Unlock()
}

func (w *writeWatch) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, close := range w.stuck(now) {
				close()
			}
		}
	}
}

// stuck returns the close of each socket whose current write began a timeout ago or more
// (as far as the checks tell: it has been mid-write at the same count since then).
func (w *writeWatch) stuck(now time.Time) []func() {
	var out []func()
	w.mu.Lock()
	defer w.mu.Unlock()
	for g, seen := range w.conns {
		n := g.writes.Load()
		switch {
		case n%2 == 0:
			if seen.writes != n {
				w.conns[g] = watched{writes: n}
			}
		case n != seen.writes:
			w.conns[g] = watched{writes: n, since: now}
		case now.Sub(seen.since) >= w.timeout:
			out = append(out, g.close)
			delete(w.conns, g)
		}
	}
	return out
}
