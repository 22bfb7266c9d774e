package registration

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestBatcherGathers: a batch that finds fewer than max requests waits for more, up to
// its gather time, and stops waiting as soon as max are pending; without a gather time
// it takes what it finds at once.
func TestBatcherGathers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		gather time.Duration
		late   int // requests submitted 20 ms after the first
		sizes  []int
		within time.Duration
	}{
		{name: "full before the gather time", gather: 10 * time.Second, late: 3, sizes: []int{4}, within: 5 * time.Second},
		{name: "gather time passes", gather: 100 * time.Millisecond, late: 0, sizes: []int{1}, within: 5 * time.Second},
		{name: "no gather", gather: 0, late: 3, sizes: []int{1, 3}, within: 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var sizes []int
			release := make(chan struct{})
			b := newBatcher(4, 1, tc.gather, func(take func() []*request) ([]*request, []outcome) {
				reqs := take()
				mu.Lock()
				sizes = append(sizes, len(reqs))
				first := len(sizes) == 1
				mu.Unlock()
				if first && tc.gather == 0 {
					<-release // hold the first batch while the late ones queue
				}
				return reqs, make([]outcome, len(reqs))
			})
			start := time.Now()
			var wg sync.WaitGroup
			submit := func() { b.submit(context.Background(), &request{n: Normalized{LaunchID: 1}}) }
			wg.Go(submit)
			time.Sleep(20 * time.Millisecond)
			for range tc.late {
				wg.Go(submit)
			}
			if tc.gather == 0 {
				time.Sleep(20 * time.Millisecond)
				close(release)
			}
			wg.Wait()
			if elapsed := time.Since(start); elapsed > tc.within {
				t.Errorf("took %v", elapsed)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(sizes) != len(tc.sizes) || sizes[0] != tc.sizes[0] {
				t.Errorf("batches %v, want %v", sizes, tc.sizes)
			}
		})
	}
}
