package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds on what one hostile request may cost the server (issue 17): server CPU, reply
// size and resident memory growth. The race detector makes everything ~10× slower and
// several times larger (its shadow memory), so both bounds scale with raceFactor.
const (
	hostileCPU   = 100 * time.Millisecond
	hostileReply = 64 << 10
	hostileRSS   = 10 << 20
)

// cost is what a request cost the test process (the server runs in it).
type cost struct {
	cpu time.Duration
	rss int64 // peak resident memory above the resident memory before
}

// measure runs do and returns its CPU time and peak RSS growth. The peak is Linux's
// VmHWM, reset first through /proc/self/clear_refs; elsewhere rss is 0.
func measure(tb testing.TB, do func()) cost {
	tb.Helper()
	runtime.GC()
	before := procStatus("VmRSS")
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	cpu0 := cpuTime()
	do()
	c := cost{cpu: cpuTime() - cpu0}
	if peak := procStatus("VmHWM"); peak > 0 && before > 0 {
		c.rss = peak - before
	}
	return c
}

// within fails tb when c is over the hostile bounds.
func (c cost) within(tb testing.TB, name string) {
	tb.Helper()
	if limit := hostileCPU * raceFactor; c.cpu > limit {
		tb.Errorf("%s: %v of CPU, more than %v", name, c.cpu, limit)
	}
	if limit := int64(hostileRSS * raceFactor); c.rss > limit {
		tb.Errorf("%s: resident memory grew by %.1f MB, more than %d MB", name, float64(c.rss)/(1<<20), limit>>20)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatus returns a "kB" line of /proc/self/status in bytes, or 0.
func procStatus(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if name, rest, ok := strings.Cut(sc.Text(), ":"); ok && name == field {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
