package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		base, headroom uint64
		want           int
	}{
		{0, 128 * mb, 400},
		{10 * mb, 128 * mb, 400},
		{32 * mb, 128 * mb, 400},
		{64 * mb, 128 * mb, 200},
		{100 * mb, 128 * mb, 128},
		{128 * mb, 128 * mb, 100},
		{250 * mb, 128 * mb, 51},
		{320 * mb, 128 * mb, 40}, // 10,000 websockets: 140 MB of heap, 180 MB of stacks
		{512 * mb, 128 * mb, 25},
		{2048 * mb, 128 * mb, 25},
	}
	for _, tt := range tests {
		if got := Percent(tt.base, tt.headroom); got != tt.want {
			t.Errorf("Percent(%d MB, %d MB) = %d, want %d", tt.base/mb, tt.headroom/mb, got, tt.want)
		}
	}
}

// After a collection with a large live heap the tuner lowers GOGC; when the heap is
// freed, the next collections raise it again.
func TestTunerFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(64 << 20)
	defer tu.Stop()
	waitFor := func(ok func(int) bool, want string) { t.Helper(); waitForGOGC(t, tu, ok, want) }
	waitFor(func(p int) bool { return p == MaxPercent }, "400")
	func() {
		ballast := make([][]byte, 0, 128)
		for range 128 { // 128 MB live: twice the headroom, so GOGC at most 50
			ballast = append(ballast, make([]byte, 1<<20))
		}
		waitFor(func(p int) bool { return p <= 50 && p >= MinPercent }, "25–50")
		runtime.KeepAlive(ballast)
	}()
	waitFor(func(p int) bool { return p == MaxPercent }, "400")
}

// Goroutine stacks count towards the base: 128 goroutines parked 1 MB deep hold ~128 MB of
// stack over a small heap, so GOGC falls to at most 50 for a 64 MB headroom, where the live
// heap alone would leave it at 400; it rises again when they return.
func TestTunerCountsGoroutineStacks(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(64 << 20)
	defer tu.Stop()
	waitFor := func(ok func(int) bool, want string) { t.Helper(); waitForGOGC(t, tu, ok, want) }
	waitFor(func(p int) bool { return p == MaxPercent }, "400")
	release := make(chan struct{})
	parked := make(chan struct{})
	for range 128 {
		go func() { deepStack(1024, parked, release) }()
	}
	for range 128 {
		<-parked
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > 32<<20 {
		t.Fatalf("heap %d MB: the test means the stacks to dominate", ms.HeapAlloc>>20)
	}
	waitFor(func(p int) bool { return p <= 50 && p >= MinPercent }, "25–50 with 128 MB of stacks")
	close(release)
	waitFor(func(p int) bool { return p == MaxPercent }, "400 once the stacks are gone")
}

// deepStack recurses depth frames of ~1 KB each, then parks until release.
func deepStack(depth int, parked chan<- struct{}, release <-chan struct{}) byte {
	var frame [1000]byte
	frame[depth%len(frame)] = byte(depth)
	if depth == 0 {
		parked <- struct{}{}
		<-release
		return frame[0]
	}
	return deepStack(depth-1, parked, release) + frame[depth%len(frame)]
}

// waitForGOGC collects until the tuner's GOGC satisfies ok (within 5 s), then checks that
// the runtime has it too.
func waitForGOGC(t *testing.T, tu *Tuner, ok func(int) bool, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(tu.Last()) {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d, want %s", tu.Last(), want)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := debug.SetGCPercent(tu.Last()); got != tu.Last() {
		t.Fatalf("the runtime's GOGC is %d, the tuner says %d", got, tu.Last())
	}
}
