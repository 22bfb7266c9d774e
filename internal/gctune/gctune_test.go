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
		live, headroom uint64
		want           int
	}{
		{0, 128 * mb, 400},
		{10 * mb, 128 * mb, 400},
		{32 * mb, 128 * mb, 400},
		{64 * mb, 128 * mb, 200},
		{100 * mb, 128 * mb, 128},
		{128 * mb, 128 * mb, 100},
		{250 * mb, 128 * mb, 100},
	}
	for _, tt := range tests {
		if got := Percent(tt.live, tt.headroom); got != tt.want {
			t.Errorf("Percent(%d MB, %d MB) = %d, want %d", tt.live/mb, tt.headroom/mb, got, tt.want)
		}
	}
}

// After a collection with a large live heap the tuner lowers GOGC; when the heap is
// freed, the next collections raise it again.
func TestTunerFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(64 << 20)
	defer tu.Stop()
	waitFor := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for tu.Last() != want {
			if time.Now().After(deadline) {
				t.Fatalf("GOGC %d, want %d", tu.Last(), want)
			}
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if got := debug.SetGCPercent(want); got != want {
			t.Fatalf("the runtime's GOGC is %d, the tuner says %d", got, want)
		}
	}
	waitFor(MaxPercent)
	func() {
		ballast := make([][]byte, 0, 128)
		for range 128 { // 128 MB live: twice the headroom
			ballast = append(ballast, make([]byte, 1<<20))
		}
		waitFor(MinPercent)
		runtime.KeepAlive(ballast)
	}()
	waitFor(MaxPercent)
}
