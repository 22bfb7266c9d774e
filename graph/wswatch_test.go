package graph

import (
	"testing"
	"time"
)

// The watch closes a socket only when one write has lasted the timeout; sockets that
// finish writes, or keep writing new ones, stay.
func TestWriteWatchClosesOnlyAStuckWrite(t *testing.T) {
	const timeout = 100 * time.Millisecond
	t0 := time.Unix(1_700_000_000, 0)
	type step struct {
		at     time.Duration
		adds   uint64 // the socket's counter moved by: +1 a write began or ended
		closed bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"idle socket", []step{{0, 0, false}, {time.Second, 0, false}}},
		{"one write stuck", []step{{0, 1, false}, {50 * time.Millisecond, 0, false}, {99 * time.Millisecond, 0, false}, {100 * time.Millisecond, 0, true}}},
		{"stuck, seen late", []step{{0, 0, false}, {10 * time.Millisecond, 1, false}, {100 * time.Millisecond, 0, false}, {110 * time.Millisecond, 0, true}}},
		{"the write finishes", []step{{0, 1, false}, {60 * time.Millisecond, 1, false}, {200 * time.Millisecond, 0, false}}},
		{"busy: a new write at each check", []step{{0, 1, false}, {80 * time.Millisecond, 2, false}, {160 * time.Millisecond, 2, false}, {240 * time.Millisecond, 2, false}}},
		{"finished writes, then a stuck one", []step{{0, 4, false}, {10 * time.Millisecond, 1, false}, {109 * time.Millisecond, 0, false}, {110 * time.Millisecond, 0, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &writeWatch{timeout: timeout, conns: map[*writeGuard]watched{}}
			closed := 0
			g, remove := w.add(func() { closed++ })
			defer remove()
			for i, s := range tt.steps {
				g.writes.Add(s.adds)
				for _, c := range w.stuck(t0.Add(s.at)) {
					c()
				}
				if got := closed > 0; got != s.closed {
					t.Fatalf("step %d (%v): closed %v, want %v", i, s.at, got, s.closed)
				}
			}
			if closed > 1 {
				t.Fatalf("closed %d times", closed)
			}
		})
	}
}

// A removed socket is not watched any more.
func TestWriteWatchForgetsARemovedSocket(t *testing.T) {
	w := &writeWatch{timeout: time.Millisecond, conns: map[*writeGuard]watched{}}
	g, remove := w.add(func() { t.Fatal("closed after its removal") })
	g.begin()
	defer g.end()
	t0 := time.Now()
	w.stuck(t0)
	remove()
	w.stuck(t0.Add(time.Second))
	if len(w.conns) != 0 {
		t.Fatalf("%d sockets watched", len(w.conns))
	}
}
