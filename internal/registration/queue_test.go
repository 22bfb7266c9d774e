package registration

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"launchgraph/internal/apperr"
	"launchgraph/internal/shed"
)

// TestBatcherQueueBound: while a batch runs, at most queueFactor batches' worth of
// requests wait for the next; the one past that is refused at once with UNAVAILABLE, and
// every request that waits gives its shedder place back as it starts waiting; a caller
// the shedder did not admit is not bounded.
func TestBatcherQueueBound(t *testing.T) {
	const max = 2
	running := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	b := newBatcher(max, 1, 0, func(take func() []*request) ([]*request, []outcome) {
		reqs := take()
		once.Do(func() { close(running); <-release }) // hold the first batch
		return reqs, make([]outcome, len(reqs))
	})
	var released atomic.Int32
	ctx := func() context.Context {
		return shed.WithRelease(context.Background(), func() { released.Add(1) })
	}
	results := make(chan error, 2+queueFactor*max)
	submit := func(launch int) {
		results <- b.submit(ctx(), &request{n: Normalized{LaunchID: launch}}).err
	}
	go submit(1)
	<-running // the first batch holds request 1
	for i := range queueFactor * max {
		go submit(1 + i%3) // queued behind it, over three launches
	}
	deadline := time.Now().Add(5 * time.Second)
	for released.Load() != 1+queueFactor*max && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := released.Load(); n != 1+queueFactor*max {
		t.Fatalf("%d requests gave their place back, want %d", n, 1+queueFactor*max)
	}
	past := make(chan outcome, 1)
	go func() { past <- b.submit(ctx(), &request{n: Normalized{LaunchID: 4}}) }()
	var out outcome
	select {
	case out = <-past:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("the request past the bound was queued, not refused")
	}
	if e, ok := apperr.As(out.err); !ok || e.Code != apperr.Unavailable || e.RetryAfter != time.Second {
		t.Fatalf("request past the bound: %v, want UNAVAILABLE with Retry-After 1s", out.err)
	}
	if n := released.Load(); n != 1+queueFactor*max {
		t.Errorf("the refused request gave a place back: %d", n)
	}
	// A caller without a shedder (a test, a tool) is not bounded here: it waits its turn.
	go func() { results <- b.submit(context.Background(), &request{n: Normalized{LaunchID: 5}}).err }()
	select {
	case err := <-results:
		t.Fatalf("a request without a shedder place did not wait: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	for range 2 + queueFactor*max {
		if err := <-results; err != nil {
			t.Errorf("queued request: %v", err)
		}
	}
}
