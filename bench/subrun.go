package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxChanges bounds the changes of one run (send times are kept per change).
const maxChanges = 1 << 20

// capacityBase is added to the change number when changes set the capacity.
const capacityBase = 100000

// subRun is one `bench subscribe` run.
type subRun struct {
	cfg    subConfig
	marker []byte // what precedes the change number in a title
	subs   []*subscriber
	stalls map[*subscriber]bool

	sent      []atomic.Int64 // UnixNano when change n was sent; 0 if not yet
	committed []atomic.Bool  // change n's mutation succeeded
	from      atomic.Int64   // first measured change
	latency   *histogram     // send → receipt of measured changes
	mutation  *histogram     // mutation round trips

	sockets     atomic.Int64
	dialErrors  atomic.Int64
	firstError  atomic.Value // string
	mutErrors   atomic.Int64
	peakRSS     atomic.Int64 // KiB, while publishing
	http        *http.Client
	stallCtx    context.Context // ends when the stalled sockets may read again
	stallCancel context.CancelFunc
}

func newSubRun(cfg subConfig) *subRun {
	r := &subRun{cfg: cfg, latency: newHistogram(), mutation: newHistogram(),
		sent: make([]atomic.Int64, maxChanges), committed: make([]atomic.Bool, maxChanges),
		stalls: map[*subscriber]bool{},
		http:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 30 * time.Second}}
	r.marker = []byte("live " + strconv.FormatInt(time.Now().UnixNano(), 36) + " ")
	r.from.Store(maxChanges)
	r.stallCtx, r.stallCancel = context.WithCancel(context.Background())
	for range cfg.n {
		r.subs = append(r.subs, newSubscriber())
	}
	return r
}

func (r *subRun) serverRSS() string { return rssOf(r.cfg.serverPID) }

// connect opens every socket (cfg.dialers at a time) and subscribes.
func (r *subRun) connect(ctx context.Context) error {
	per := r.cfg.perSocket
	groups := make(chan []*subscriber)
	var wg sync.WaitGroup
	for range r.cfg.dialers {
		wg.Go(func() {
			for g := range groups {
				if err := r.open(ctx, g); err != nil {
					r.dialErrors.Add(1)
					r.firstError.CompareAndSwap(nil, err.Error())
					for _, s := range g {
						s.end("dial: " + err.Error())
					}
					continue
				}
				r.sockets.Add(1)
			}
		})
	}
	stalled := 0
	for i := 0; i < len(r.subs); i += per {
		g := r.subs[i:min(i+per, len(r.subs))]
		if stalled < r.cfg.stall && i%max(1, len(r.subs)/max(1, r.cfg.stall)) == 0 {
			for _, s := range g {
				r.stalls[s] = true
			}
			stalled++
		}
		select {
		case groups <- g:
		case <-ctx.Done():
		}
	}
	close(groups)
	wg.Wait()
	if e, ok := r.firstError.Load().(string); ok {
		fmt.Printf("dial errors   %d (first: %s)\n", r.dialErrors.Load(), e)
	}
	return ctx.Err()
}

// open opens one socket (or SSE stream) for the subscriptions g.
func (r *subRun) open(ctx context.Context, g []*subscriber) error {
	vars := map[string]any{"id": strconv.Itoa(r.cfg.launchID)}
	stall := r.stalls[g[0]]
	query := r.cfg.query
	if stall && r.cfg.stallQuery != "" {
		query = r.cfg.stallQuery
	}
	if r.cfg.protocol == "sse" {
		return r.openSSE(ctx, g[0], query, vars, stall)
	}
	return r.openWS(ctx, g, query, vars, stall)
}

// seq returns the change number a payload carries, if any.
func (r *subRun) seq(payload []byte) (int, bool) {
	var rest []byte
	if r.cfg.field == "title" {
		i := bytes.Index(payload, r.marker)
		if i < 0 {
			return 0, false
		}
		rest = payload[i+len(r.marker):]
	} else {
		i := bytes.Index(payload, []byte(`"capacity":`))
		if i < 0 {
			return 0, false
		}
		rest = payload[i+len(`"capacity":`):]
	}
	n, j := 0, 0
	for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
		n = n*10 + int(rest[j]-'0')
	}
	if j == 0 {
		return 0, false
	}
	if r.cfg.field == "capacity" {
		if n < capacityBase {
			return 0, false
		}
		n -= capacityBase
	}
	return n, n < maxChanges
}

// deliver records a data message's payload for s at now.
func (r *subRun) deliver(s *subscriber, payload []byte, now time.Time) {
	s.live.Store(true)
	n, ok := r.seq(payload)
	if !ok {
		return
	}
	measured := int64(n) >= r.from.Load()
	s.got(n, measured)
	if measured {
		if at := r.sent[n].Load(); at != 0 {
			r.latency.add(now.Sub(time.Unix(0, at)))
		}
	}
}

const updateMutation = `mutation($id: ID!, $input: UpdateLaunchInput!) { updateLaunch(id: $id, input: $input) { id } }`

// publish sends change n (one updateLaunch) and records whether it committed.
func (r *subRun) publish(ctx context.Context, n int) {
	input := map[string]any{"title": string(r.marker) + strconv.Itoa(n)}
	if r.cfg.field == "capacity" {
		input = map[string]any{"capacity": capacityBase + n}
	}
	body, _ := json.Marshal(map[string]any{"query": updateMutation,
		"variables": map[string]any{"id": strconv.Itoa(r.cfg.launchID), "input": input}})
	start := time.Now()
	r.sent[n].Store(start.UnixNano())
	outcome := send(ctx, r.http, r.cfg.url, r.cfg.adminKey, body)
	if n >= int(r.from.Load()) {
		r.mutation.add(time.Since(start))
	}
	if outcome != "" {
		if r.mutErrors.Add(1) == 1 {
			fmt.Printf("mutation %d: %s\n", n, outcome)
		}
		return
	}
	r.committed[n].Store(true)
}

// allLive reports whether every reading subscriber has received a message.
func (r *subRun) allLive() (live, want int) {
	for _, s := range r.subs {
		if r.stalls[s] {
			continue
		}
		want++
		if s.live.Load() {
			live++
		}
	}
	return live, want
}

// measure warms up (changes every 100 ms until every subscriber has received one), then
// publishes cfg.rate changes a second for cfg.duration, drains, and reports.
func (r *subRun) measure(ctx context.Context, w io.Writer) error {
	n := 0
	warm := time.Now()
	for live, want := r.allLive(); live < want && time.Since(warm) < 60*time.Second; live, want = r.allLive() {
		r.publish(ctx, n)
		n++
		time.Sleep(100 * time.Millisecond)
	}
	live, want := r.allLive()
	fmt.Fprintf(w, "live          %d of %d reading subscribers after %d warm-up changes (%s)\n",
		live, want, n, time.Since(warm).Round(time.Millisecond))
	time.Sleep(200 * time.Millisecond)
	first := n
	r.from.Store(int64(first))
	stop := make(chan struct{})
	go r.sampleRSS(stop)
	start := time.Now()
	if r.cfg.lockFor > 0 {
		time.AfterFunc(r.cfg.lockAt, func() {
			if err := lockRow(ctx, r.cfg.databaseURL, r.cfg.launchID, r.cfg.lockFor); err != nil {
				fmt.Fprintln(w, "lock-row:", err)
			}
		})
	}
	every := time.Duration(float64(time.Second) / r.cfg.rate)
	var inflight sync.WaitGroup
	for ; time.Since(start) < r.cfg.duration && ctx.Err() == nil && n < maxChanges; n++ {
		time.Sleep(time.Until(start.Add(time.Duration(n-first) * every)))
		if r.cfg.overlap {
			k := n
			inflight.Go(func() { r.publish(ctx, k) })
		} else {
			r.publish(ctx, n)
		}
	}
	inflight.Wait()
	elapsed := time.Since(start)
	last := n - 1
	close(stop)
	r.waitDrain(last)
	r.report(w, first, last, elapsed)
	if len(r.stalls) > 0 {
		r.stopStalled()
		fmt.Fprintf(w, "stalled       %d socket(s) never read; then: %s\n", len(r.stalls), r.stallOutcome())
	}
	return nil
}

// waitDrain waits up to cfg.drain for every reading subscriber to receive change last.
func (r *subRun) waitDrain(last int) {
	deadline := time.Now().Add(r.cfg.drain)
	for time.Now().Before(deadline) {
		done := true
		for _, s := range r.subs {
			s.mu.Lock()
			behind := s.max < last && s.ended == "" && !r.stalls[s]
			s.mu.Unlock()
			if behind {
				done = false
				break
			}
		}
		if done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *subRun) sampleRSS(stop <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if k := int64(rssKiB(r.serverRSS())); k > r.peakRSS.Load() {
				r.peakRSS.Store(k)
			}
		}
	}
}

// report prints delivery, latency, mutation and server figures.
func (r *subRun) report(w io.Writer, first, last int, elapsed time.Duration) {
	committed := 0
	for n := first; n <= last; n++ {
		if r.committed[n].Load() {
			committed++
		}
	}
	var complete, withMissing, missing, withDups, dups, withOOO, ooo, ended int
	endedWhy := map[string]int{}
	orders := map[uint64]int{}
	for _, s := range r.subs {
		if r.stalls[s] {
			continue
		}
		m := r.missingCommitted(s, first, last)
		s.mu.Lock()
		if s.ended != "" {
			ended++
			endedWhy[s.ended]++
		}
		if m == 0 && s.dups == 0 && s.ooo == 0 {
			complete++
		}
		orders[s.order]++
		count(&withMissing, &missing, m)
		count(&withDups, &dups, s.dups)
		count(&withOOO, &ooo, s.ooo)
		s.mu.Unlock()
	}
	reading := len(r.subs) - len(r.stalls)
	fmt.Fprintf(w, "published     %d changes in %s (%.1f/s), %d committed, %d mutation errors; mutation %s\n",
		last-first+1, elapsed.Round(time.Millisecond), float64(last-first+1)/elapsed.Seconds(), committed,
		r.mutErrors.Load(), r.mutation.summary())
	fmt.Fprintf(w, "delivery      %d of %d reading subscribers got every change once, in order\n", complete, reading)
	fmt.Fprintf(w, "              missing: %d subscribers, %d changes; duplicated: %d, %d; out of order: %d, %d; ended early: %d %v\n",
		withMissing, missing, withDups, dups, withOOO, ooo, ended, endedWhy)
	fmt.Fprintf(w, "              order: %d distinct sequences among them (1: all saw the same order, which with -overlap is the commit order, not always the send order)\n", len(orders))
	fmt.Fprintf(w, "latency       send → receipt %s\n", r.latency.summary())
	fmt.Fprintf(w, "server        RSS %s now, peak %d kB while publishing; load %s\n", r.serverRSS(), r.peakRSS.Load(), loadavg())
}

func count(subs, total *int, n int) {
	if n > 0 {
		*subs++
		*total += n
	}
}

// missingCommitted counts committed changes in [first, last] that s never received.
func (r *subRun) missingCommitted(s *subscriber, first, last int) int {
	m := 0
	for n := first; n <= last; n++ {
		if r.committed[n].Load() && s.missing(n, n) == 1 {
			m++
		}
	}
	return m
}

// stopStalled lets the stalled sockets read what they hold, and waits for them.
func (r *subRun) stopStalled() {
	r.stallCancel()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && r.stallOutcome() == "" {
		time.Sleep(50 * time.Millisecond)
	}
}

// stallOutcome is what the stalled sockets reported ("" until all did).
func (r *subRun) stallOutcome() string {
	var why []string
	for s := range r.stalls {
		s.mu.Lock()
		e := s.ended
		s.mu.Unlock()
		if e == "" {
			return ""
		}
		why = append(why, e)
	}
	slices.Sort(why)
	return strings.Join(slices.Compact(why), " | ")
}
