package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/lib/pq" // -lock-row

	"launchgraph/internal/auth"
	"launchgraph/internal/store"
)

// subConfig configures `bench subscribe`.
type subConfig struct {
	url         string
	protocol    string
	query       string
	field       string // what -publish changes: title or capacity
	n           int    // subscriptions
	perSocket   int    // subscriptions per socket (websockets)
	duration    time.Duration
	drain       time.Duration
	rate        float64 // changes per second
	launchID    int
	adminKey    string // for the publishing mutations
	subKey      string // connection_init / Authorization of the subscribers; empty: public
	databaseURL string
	dialers     int
	serverPID   int
	stall       int    // subscribers (sockets) that never read after subscribing
	stallQuery  string // their document (default: -query)
	description int    // characters of the created launch's description
	overlap     bool
	lockFor     time.Duration // -lock-row: a stalled writer holds the launch's row this long
	lockAt      time.Duration // after this much of the measurement
}

const defaultSubQuery = `subscription($id: ID!) { launchChanged(id: $id) { id title } }`

func parseSubFlags(args []string, stderr io.Writer) (subConfig, error) {
	fs := flag.NewFlagSet("subscribe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c subConfig
	var publish string
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "server base URL")
	fs.StringVar(&c.protocol, "protocol", "graphql-transport-ws", "graphql-transport-ws, graphql-ws or sse")
	fs.StringVar(&c.query, "query", defaultSubQuery, "subscription document; $id is the launch id")
	fs.StringVar(&c.field, "field", "", "what each change sets: title (default) or capacity (for seatsChanged); empty: capacity when the query has seatsChanged")
	fs.IntVar(&c.n, "n", 100, "subscriptions")
	fs.IntVar(&c.perSocket, "per-socket", 1, "subscriptions per websocket")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long changes are published")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "how long to wait for the last change to arrive everywhere")
	fs.StringVar(&publish, "publish", "20/s", "changes per second (updateLaunch mutations, one at a time)")
	fs.IntVar(&c.launchID, "launch", 0, "id of an existing PUBLISHED launch (else -database-url creates one)")
	fs.StringVar(&c.adminKey, "admin-key", "", "ADMIN API key for the mutations (else -database-url creates one)")
	fs.StringVar(&c.subKey, "key", "", "API key the subscribers authenticate with (default: public)")
	fs.StringVar(&c.databaseURL, "database-url", "", "database of the server: creates the launch and the admin key")
	fs.IntVar(&c.dialers, "dialers", 32, "sockets opened concurrently")
	fs.IntVar(&c.serverPID, "pid", 0, "server process id: its RSS is sampled (idle, publishing, peak)")
	fs.DurationVar(&c.lockFor, "lock-row", 0, "with -database-url: a stalled writer holds the launch's row lock this long (e.g. 600ms) during the measurement")
	fs.DurationVar(&c.lockAt, "lock-at", 5*time.Second, "when -lock-row starts, from the start of the measurement")
	fs.BoolVar(&c.overlap, "overlap", false, "send each change on schedule without waiting for the previous one's reply (as a timer-driven client does)")
	fs.IntVar(&c.stall, "stall", 0, "sockets among -n that stop reading once subscribed (back-pressure test)")
	fs.StringVar(&c.stallQuery, "stall-query", "", "document of the stalled sockets (default -query), e.g. one selecting a long description")
	fs.IntVar(&c.description, "description", 0, "with -database-url: the created launch's description length (large messages for -stall-query)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	r, ok := strings.CutSuffix(publish, "/s")
	rate, err := strconv.ParseFloat(r, 64)
	if !ok || err != nil || rate <= 0 {
		return c, fmt.Errorf("-publish %q: want N/s", publish)
	}
	c.rate = rate
	if c.field == "" {
		c.field = "title"
		if strings.Contains(c.query, "seatsChanged") {
			c.field = "capacity"
		}
	}
	switch {
	case c.protocol != "graphql-transport-ws" && c.protocol != "graphql-ws" && c.protocol != "sse":
		return c, fmt.Errorf("-protocol %q: want graphql-transport-ws, graphql-ws or sse", c.protocol)
	case c.field != "title" && c.field != "capacity":
		return c, fmt.Errorf("-field %q: want title or capacity", c.field)
	case c.lockFor > 0 && c.databaseURL == "":
		return c, errors.New("-lock-row needs -database-url")
	case c.n < 1 || c.perSocket < 1 || c.dialers < 1 || c.duration <= 0 || c.stall < 0:
		return c, errors.New("-n, -per-socket, -dialers and -duration must be positive")
	case c.protocol == "sse":
		c.perSocket = 1
	}
	return c, nil
}

// runSubscribe is `bench subscribe`: it opens the subscriptions, publishes changes at the
// given rate, and reports per-subscriber delivery and send-to-receipt latency.
func runSubscribe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseSubFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.databaseURL != "" {
		if err := prepareSubscribe(ctx, &cfg); err != nil {
			return err
		}
	}
	if cfg.launchID == 0 || cfg.adminKey == "" {
		return errors.New("subscribe: give -database-url, or -launch and -admin-key")
	}
	run := newSubRun(cfg)
	fmt.Fprintf(stdout, "subscribe: %d subscriptions of launch %d over %s (%d per socket), %s at %g/s for %s; load %s; server RSS %s\n",
		cfg.n, cfg.launchID, cfg.protocol, cfg.perSocket, cfg.field, cfg.rate, cfg.duration, loadavg(), run.serverRSS())
	began := time.Now()
	if err := run.connect(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "connected     %d sockets in %s; server RSS %s (idle)\n",
		run.sockets.Load(), time.Since(began).Round(time.Millisecond), run.serverRSS())
	return run.measure(ctx, stdout)
}

// prepareSubscribe creates a PUBLISHED launch and an ADMIN key in the server's database.
func prepareSubscribe(ctx context.Context, cfg *subConfig) error {
	db, err := store.Open(ctx, store.Config{URL: cfg.databaseURL, MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.launchID == 0 {
		ids, err := createLaunches(ctx, config{databaseURL: cfg.databaseURL, launches: 1, capacity: 1000})
		if err != nil {
			return err
		}
		cfg.launchID = ids[0]
		if cfg.description > 0 {
			err := db.Client.Launch.UpdateOneID(cfg.launchID).SetDescription(strings.Repeat("d", cfg.description)).Exec(ctx)
			if err != nil {
				return fmt.Errorf("subscribe: description: %w", err)
			}
		}
	}
	if cfg.adminKey != "" {
		return nil
	}
	key, _, err := auth.Create(ctx, db.Client, auth.Admin, "bench subscribe", 24*time.Hour)
	if err != nil {
		return fmt.Errorf("subscribe: admin key: %w", err)
	}
	cfg.adminKey = key
	return nil
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// rssOf is the VmRSS of process pid ("" for none).
func rssOf(pid int) string {
	if pid == 0 {
		return "?"
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
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

// rssKiB parses rssOf's "123 kB".
func rssKiB(s string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(s, " kB"))
	return n
}

// subscriber is what one subscription received, numbered by the changes it saw.
type subscriber struct {
	mu       sync.Mutex
	seen     []uint64 // bitset of change numbers
	max      int      // highest change number received, -1 for none
	received int
	dups     int
	ooo      int    // received after a later one
	order    uint64 // hash of the order of what it received
	live     atomic.Bool
	ended    string // why the stream ended early (error, complete, close)
}

func newSubscriber() *subscriber { return &subscriber{max: -1} }

// got records change n; a measured one counts in the order.
func (s *subscriber) got(n int, measured bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n/64 >= len(s.seen) {
		s.seen = append(s.seen, 0)
	}
	if s.seen[n/64]&(1<<(n%64)) != 0 {
		s.dups++
		return
	}
	s.seen[n/64] |= 1 << (n % 64)
	s.received++
	if measured {
		s.order = s.order*1000003 + uint64(n) + 1
	}
	if n < s.max {
		s.ooo++
	} else {
		s.max = n
	}
}

// missing counts the changes in [from, to] that never arrived.
func (s *subscriber) missing(from, to int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := 0
	for n := from; n <= to; n++ {
		if n/64 >= len(s.seen) || s.seen[n/64]&(1<<(n%64)) == 0 {
			m++
		}
	}
	return m
}

func (s *subscriber) end(why string) {
	s.mu.Lock()
	if s.ended == "" {
		s.ended = why
	}
	s.mu.Unlock()
}

// histogram counts latencies in 10 µs buckets up to 10 s; beyond, in the last one.
type histogram struct {
	buckets []atomic.Int64
	max     atomic.Int64
	n       atomic.Int64
}

const histBucket = 10 * time.Microsecond

func newHistogram() *histogram { return &histogram{buckets: make([]atomic.Int64, 1_000_000)} }

func (h *histogram) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := min(int(d/histBucket), len(h.buckets)-1)
	h.buckets[i].Add(1)
	h.n.Add(1)
	for m := h.max.Load(); int64(d) > m && !h.max.CompareAndSwap(m, int64(d)); m = h.max.Load() {
	}
}

// quantile is the upper bound of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := int64(float64(n-1)*q) + 1
	var seen int64
	for i := range h.buckets {
		if seen += h.buckets[i].Load(); seen >= want {
			return min(time.Duration(i+1)*histBucket, time.Duration(h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

func (h *histogram) summary() string {
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s (%d samples)", r(h.quantile(0.5)), r(h.quantile(0.9)),
		r(h.quantile(0.99)), r(h.quantile(0.999)), r(time.Duration(h.max.Load())), h.n.Load())
}

// lockRow is a stalled writer: it holds launch id's row lock for d (every update of the
// launch waits), through its own connection to the server's database.
func lockRow(ctx context.Context, databaseURL string, id int, d time.Duration) error {
	db, err := sql.Open("postgres", databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT id FROM launches WHERE id = $1 FOR UPDATE", id); err != nil {
		return err
	}
	time.Sleep(d)
	return tx.Commit()
}
