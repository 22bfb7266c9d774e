// Package gctune sets the garbage collector's target from the live heap after every
// collection. With Go's fixed GOGC=100 a server whose live heap is a few tens of MB
// collects so often that collection takes a sixth of its CPU under a registration burst;
// a fixed 400 would fix that, but let a server holding 10,000 websockets (a live heap of
// ~250 MB) grow its heap to five times that. So the target is the live heap plus a
// headroom, as a GOGC between Go's 100 and 400: 400 while the live heap is at most a
// quarter of the headroom, falling to 100 as it reaches the headroom, 100 above.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Bounds of the GOGC the tuner sets.
const (
	MinPercent = 100
	MaxPercent = 400
)

// Tuner keeps GOGC at Percent(live heap, Headroom) after each collection.
type Tuner struct {
	headroom uint64
	stopped  atomic.Bool
	last     atomic.Int64
	sample   []metrics.Sample
}

// Start tunes GOGC from now on, for a headroom in bytes, until Stop.
func Start(headroom uint64) *Tuner {
	t := &Tuner{headroom: headroom, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.adjust()
	t.arm()
	return t
}

// Stop ends the tuning; GOGC stays where it last was.
func (t *Tuner) Stop() { t.stopped.Store(true) }

// Percent is the GOGC that gives a heap target of live+headroom, within [MinPercent, MaxPercent].
func Percent(live, headroom uint64) int {
	if live == 0 {
		return MaxPercent
	}
	p := headroom * 100 / live
	return int(min(max(p, MinPercent), MaxPercent))
}

// Last is the GOGC the tuner last set.
func (t *Tuner) Last() int { return int(t.last.Load()) }

// sentinel is an object whose finalizer runs once per collection (after it is found
// unreachable), which re-arms a new one: the tuner's hook into every cycle.
type sentinel struct{ t *Tuner }

func (t *Tuner) arm() {
	s := &sentinel{t: t}
	runtime.SetFinalizer(s, func(s *sentinel) {
		if s.t.stopped.Load() {
			return
		}
		s.t.adjust()
		s.t.arm()
	})
}

// adjust reads the live heap of the last collection and sets GOGC when it changes.
func (t *Tuner) adjust() {
	metrics.Read(t.sample)
	var live uint64
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	p := Percent(live, t.headroom)
	if int64(p) != t.last.Load() {
		debug.SetGCPercent(p)
		t.last.Store(int64(p))
	}
}
