// Package gctune sets the garbage collector's target after every collection from what
// Go's GOGC applies to: the live heap, goroutine stacks and globals. With Go's fixed GOGC=100 a server whose live heap is a few tens of MB
// collects so often that collection takes a sixth of its CPU under a registration burst;
// a fixed 400 would fix that, but let a server holding 10,000 websockets grow its heap to
// several times what it holds. So the heap may grow by a headroom past the live heap.
//
// Go's target is live + (live + goroutine stacks + globals) × GOGC/100: the stacks count.
// 10,000 websockets hold ~140 MB of heap and ~180 MB of stacks, where GOGC=100 let the
// heap grow by 320 MB. So the GOGC is the headroom over that whole base, between 25 and
// 400: 400 while the base is at most a quarter of the headroom, falling as it grows past.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Bounds of the GOGC the tuner sets.
const (
	MinPercent = 25
	MaxPercent = 400
)

// Tuner keeps GOGC at Percent(live heap + stacks + globals, Headroom) after each collection.
type Tuner struct {
	headroom uint64
	stopped  atomic.Bool
	last     atomic.Int64
	sample   []metrics.Sample
}

// Start tunes GOGC from now on, for a headroom in bytes, until Stop.
func Start(headroom uint64) *Tuner {
	t := &Tuner{headroom: headroom, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}}
	t.adjust()
	t.arm()
	return t
}

// Stop ends the tuning; GOGC stays where it last was.
func (t *Tuner) Stop() { t.stopped.Store(true) }

// Percent is the GOGC that lets the heap grow by headroom over a base of live heap,
// stacks and globals (Go's GOGC applies to that base), within [MinPercent, MaxPercent].
func Percent(base, headroom uint64) int {
	if base == 0 {
		return MaxPercent
	}
	p := headroom * 100 / base
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

// adjust reads the live heap and roots of the last collection and sets GOGC when it changes.
func (t *Tuner) adjust() {
	metrics.Read(t.sample)
	var base uint64
	for _, s := range t.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			base += s.Value.Uint64()
		}
	}
	p := Percent(base, t.headroom)
	if int64(p) != t.last.Load() {
		debug.SetGCPercent(p)
		t.last.Store(int64(p))
	}
}
