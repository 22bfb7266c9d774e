package main

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"launchgraph/internal/store/storetest"
)

// TestLiveFanoutFigures measures websocket fan-out: LIVE_BENCH_SUBSCRIBERS (1000)
// subscribers of launchChanged each receive LIVE_BENCH_EVENTS (1000) committed title
// changes; it reports the mutation → client latency (p50, p99), how many events each
// received (a subscriber that falls behind coalesces to the latest state), and the RSS of
// the process (server and clients). Run with LIVE_BENCH=1; LIVE_BENCH_RATE=n publishes n
// changes a second.
func TestLiveFanoutFigures(t *testing.T) {
	if os.Getenv("LIVE_BENCH") == "" {
		t.Skip("set LIVE_BENCH=1 to measure")
	}
	subs, events := envInt("LIVE_BENCH_SUBSCRIBERS", 1000), envInt("LIVE_BENCH_EVENTS", 1000)
	var every time.Duration // LIVE_BENCH_RATE paces the changes (per second); unset: as fast as they commit
	if rate := envInt("LIVE_BENCH_RATE", 0); rate > 0 {
		every = time.Second / time.Duration(rate)
	}
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db)
	vars := map[string]any{"id": strconv.Itoa(l.ID)}
	committed := make([]time.Time, events)
	var mu sync.Mutex
	var lat []time.Duration
	received := make([]int, subs)
	var outOfOrder int // events that arrived after a later one
	var wg sync.WaitGroup
	clients := make([]*wsClient, subs)
	for i := range clients {
		c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.subscribe(t, "1", `subscription($id: ID!) { launchChanged(id: $id) { title } }`, vars)
		clients[i] = c
	}
	time.Sleep(500 * time.Millisecond)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			prev := -1
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for {
				m, ok := c.within(10 * time.Second)
				if !ok {
					return
				}
				now := time.Now()
				var p struct {
					Data struct{ LaunchChanged struct{ Title string } }
				}
				_ = json.Unmarshal(m.Payload, &p)
				n, err := strconv.Atoi(strings.TrimPrefix(p.Data.LaunchChanged.Title, "t"))
				if err != nil {
					continue
				}
				mu.Lock()
				at := committed[n]
				if n <= prev {
					outOfOrder++
				}
				mu.Unlock()
				prev = n
				mine = append(mine, now.Sub(at))
				received[i]++
				if n == events-1 {
					return
				}
			}
		}()
	}
	ctx := context.Background()
	start := time.Now()
	for n := 0; n < events; n++ {
		if every > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(n) * every)))
		}
		mu.Lock()
		committed[n] = time.Now() // the publish follows the commit inside ExecX
		mu.Unlock()
		db.Client.Launch.UpdateOneID(l.ID).SetTitle("t" + strconv.Itoa(n)).ExecX(ctx)
	}
	published := time.Since(start)
	wg.Wait()
	slices.Sort(lat)
	slices.Sort(received)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d subscribers × %d events (published in %s): %d deliveries (%d out of order); per subscriber min %d, median %d, max %d; latency p50 %s, p99 %s, max %s; RSS %s, Go heap %d MiB, goroutines %d",
		subs, events, published.Round(time.Millisecond), len(lat), outOfOrder, received[0], received[len(received)/2], received[len(received)-1],
		pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond),
		rss(), ms.HeapAlloc>>20, runtime.NumGoroutine())
	for _, c := range clients {
		_ = c.conn.CloseNow()
	}
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}

// rss is this process's resident set size from /proc.
func rss() string {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
