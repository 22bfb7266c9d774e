// Command bench drives launchgraph over HTTP and reports throughput and latency.
//
//	go run ./bench register -url http://127.0.0.1:8080 -c 32 -d 10s -launches 10 \
//	    -database-url 'postgres://postgres@127.0.0.1:5432/scratch?sslmode=disable'
//
// register sends `register` mutations with distinct emails from c concurrent clients for
// d, spread round-robin over the target launches, and prints registrations/s, latency
// percentiles and outcome counts. With -database-url it first creates -launches PUBLISHED
// launches (capacity -capacity, waitlist on) in that database through the store; without
// it, -launch-ids names existing launches.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/notification"
	"launchgraph/ent/region"
	"launchgraph/internal/store"
)

const usage = `usage: bench register|seed|query|subscribe|hostile|smtp-sink [flags]

  register  register mutations from concurrent clients (scenario d)
  seed      create the benchmark dataset (60 launches, 20,000 registrants)
  query     a read scenario: -scenario a (launch by id), b (regions → launches →
            registrants, admin key), c (a page of registrants, admin key)
  subscribe live updates: -n subscriptions (websockets or SSE, from this process),
            -publish N/s changes; delivery per subscriber, send-to-receipt latency
  hostile   issue 17's attack shapes at -rate/s while a well-behaved client asks for a
            page of launches at -good-rate/s; reports that client's latency
  smtp-sink an SMTP server that discards what it receives (the outbox's relay)

Run "bench COMMAND -h" for the flags.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprintln(stderr, usage)
		return errors.New("missing command")
	}
	switch args[1] {
	case "seed":
		return runSeed(ctx, args[2:], stdout, stderr)
	case "query":
		return runQuery(ctx, args[2:], stdout, stderr)
	case "subscribe":
		return runSubscribe(ctx, args[2:], stdout, stderr)
	case "hostile":
		return runHostile(ctx, args[2:], stdout, stderr)
	case "smtp-sink":
		return runSink(ctx, args[2:], stdout, stderr)
	case "register":
	default:
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("unknown command %q", args[1])
	}
	cfg, err := parseFlags(args[2:], stderr)
	if err != nil {
		return err
	}
	if cfg.databaseURL != "" {
		ids, err := createLaunches(ctx, cfg)
		if err != nil {
			return err
		}
		cfg.launchIDs = ids
		fmt.Fprintf(stdout, "created launches %v (capacity %s, waitlist on)\n", ids, capacityText(cfg.capacity))
	}
	if len(cfg.launchIDs) == 0 {
		return errors.New("give -database-url to create launches, or -launch-ids")
	}
	res := load(ctx, cfg)
	res.print(stdout, cfg)
	if cfg.databaseURL != "" {
		return drainTime(ctx, cfg.databaseURL, stdout)
	}
	return nil
}

// drainTime reports how long after the burst the outbox has nothing left to send.
func drainTime(ctx context.Context, databaseURL string, stdout io.Writer) error {
	db, err := store.Open(ctx, store.Config{URL: databaseURL, MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	end := time.Now()
	pending := func() (int, error) {
		return db.Client.Notification.Query().Where(notification.StatusEQ(notification.StatusPENDING)).Count(ctx)
	}
	atEnd, err := pending()
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	for n := atEnd; n > 0; {
		if time.Since(end) > 60*time.Second {
			fmt.Fprintf(stdout, "outbox        %d pending at the end, %d still pending after 60s\n", atEnd, n)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
		if n, err = pending(); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	fmt.Fprintf(stdout, "outbox        %d pending at the end, drained %s after it\n", atEnd, time.Since(end).Round(10*time.Millisecond))
	return nil
}

type config struct {
	url         string
	clients     int
	duration    time.Duration
	warmup      time.Duration
	launches    int
	launchIDs   []int
	databaseURL string
	capacity    int
	idempotency bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var ids string
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "server base URL")
	fs.IntVar(&c.clients, "c", 32, "concurrent clients")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "measured duration")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured warm-up before the measurement")
	fs.IntVar(&c.launches, "launches", 1, "launches to create with -database-url")
	fs.StringVar(&ids, "launch-ids", "", "comma-separated ids of existing PUBLISHED launches (instead of -database-url)")
	fs.StringVar(&c.databaseURL, "database-url", "", "database of the server, to create the launches in")
	fs.IntVar(&c.capacity, "capacity", 100, "capacity of created launches (-1: unlimited); the rest is waitlisted")
	fs.BoolVar(&c.idempotency, "idempotency", true, "send an idempotency key with every call")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	for _, s := range strings.Split(ids, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.Atoi(s)
		if err != nil {
			return config{}, fmt.Errorf("-launch-ids: %q is not an id", s)
		}
		c.launchIDs = append(c.launchIDs, id)
	}
	if c.clients < 1 || c.duration <= 0 || c.launches < 1 {
		return config{}, errors.New("-c, -d and -launches must be positive")
	}
	return c, nil
}

func capacityText(n int) string {
	if n < 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

// regionAndFormat finds or creates the region code and the one-day-forum format that
// benchmark launches belong to.
func regionAndFormat(ctx context.Context, client *ent.Client, code, name, zone string) (*ent.Region, *ent.Format, error) {
	reg, err := client.Region.Query().Where(region.Code(code)).Only(ctx)
	if ent.IsNotFound(err) {
		reg, err = client.Region.Create().SetCode(code).SetName(name).SetDefaultTimezone(zone).Save(ctx)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("region: %w", err)
	}
	fmtn, err := client.Format.Query().Where(format.KindEQ(format.KindONE_DAY_FORUM)).First(ctx)
	if ent.IsNotFound(err) {
		fmtn, err = client.Format.Create().SetKind(format.KindONE_DAY_FORUM).SetName("One-day forum").Save(ctx)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("format: %w", err)
	}
	return reg, fmtn, nil
}

// createLaunches creates cfg.launches PUBLISHED launches a month ahead, with a waitlist,
// as trusted code through the store.
func createLaunches(ctx context.Context, cfg config) ([]int, error) {
	db, err := store.Open(ctx, store.Config{URL: cfg.databaseURL, MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	reg, fmtn, err := regionAndFormat(ctx, db.Client, "EUR", "Europe", "Europe/Zurich")
	if err != nil {
		return nil, err
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	var ids []int
	for i := range cfg.launches {
		c := db.Client.Launch.Create().
			SetSlug(fmt.Sprintf("bench-%s-%d", run, i)).SetTitle(fmt.Sprintf("Bench %s %d", run, i)).
			SetRegion(reg).SetFormat(fmtn).SetStatus("PUBLISHED").
			SetStartsAt(start).SetEndsAt(start.Add(8 * time.Hour)).SetTimezone("Europe/Zurich").
			SetWaitlistEnabled(true)
		if cfg.capacity >= 0 {
			c.SetCapacity(cfg.capacity)
		}
		l, err := c.Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("launch: %w", err)
		}
		ids = append(ids, l.ID)
	}
	return ids, nil
}

const registerMutation = `mutation R($input: RegisterInput!) { register(input: $input) { registrant { id status waitlistPosition } manageToken } }`

type registerInput struct {
	LaunchID       string `json:"launchId"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	Organisation   string `json:"organisation"`
	Country        string `json:"country"`
	Stakeholder    string `json:"stakeholder"`
	Attendance     string `json:"attendance"`
	Language       string `json:"language"`
	Consent        bool   `json:"consent"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

type response struct {
	Data struct {
		Register *struct {
			Registrant struct{ Status string }
		}
	}
	Errors []struct {
		Extensions struct{ Code string }
	}
}

// result is what one client saw.
type result struct {
	latencies []time.Duration
	outcomes  map[string]int
	// batches tells whether the server reported group commits (before and after the
	// measured window).
	batches       bool
	before, after batchStats
}

// load runs cfg.clients clients for warm-up plus duration and merges what they measured.
func load(ctx context.Context, cfg config) *result {
	tr := &http.Transport{MaxIdleConns: cfg.clients, MaxIdleConnsPerHost: cfg.clients, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	begin := time.Now()
	measureFrom, end := begin.Add(cfg.warmup), begin.Add(cfg.warmup+cfg.duration)

	results := make([]*result, cfg.clients)
	var before, after batchStats
	var scraped bool
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-time.After(time.Until(measureFrom)):
			before, scraped = scrapeBatches(ctx, client, cfg.url)
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(time.Until(end)):
			after, _ = scrapeBatches(ctx, client, cfg.url)
		case <-ctx.Done():
		}
	})
	for w := range cfg.clients {
		wg.Go(func() { results[w] = registerLoop(ctx, client, cfg, run, w, measureFrom, end) })
	}
	wg.Wait()
	all := &result{outcomes: map[string]int{}}
	for _, r := range results {
		all.latencies = append(all.latencies, r.latencies...)
		for k, v := range r.outcomes {
			all.outcomes[k] += v
		}
	}
	slices.Sort(all.latencies)
	all.batches = scraped
	all.before, all.after = before, after
	return all
}

// registerLoop is client w of load: it registers one person after another until end and
// keeps the latencies and outcomes of the calls that start at measureFrom or later.
func registerLoop(ctx context.Context, client *http.Client, cfg config, run string, w int, measureFrom, end time.Time) *result {
	r := &result{outcomes: map[string]int{}}
	var buf bytes.Buffer
	for i := 0; ; i++ {
		now := time.Now()
		if now.After(end) || ctx.Err() != nil {
			return r
		}
		in := registerInput{
			LaunchID:     strconv.Itoa(cfg.launchIDs[(w+i)%len(cfg.launchIDs)]),
			Name:         fmt.Sprintf("Bench Person %d-%d", w, i),
			Email:        fmt.Sprintf("bench-%s-%d-%d@example.org", run, w, i),
			Organisation: "Ministry of Digital Affairs", Country: "UA",
			Stakeholder: "GOVERNMENT", Attendance: "IN_PERSON", Language: "en", Consent: true,
		}
		if cfg.idempotency {
			in.IdempotencyKey = fmt.Sprintf("bench-%s-%08d-%08d", run, w, i)
		}
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(map[string]any{"query": registerMutation, "variables": map[string]any{"input": in}})
		outcome := post(ctx, client, cfg.url, buf.Bytes())
		if now.Before(measureFrom) {
			continue
		}
		r.latencies = append(r.latencies, time.Since(now))
		r.outcomes[outcome]++
	}
}

// post sends one register call and names its outcome: the registrant status, the error
// code, or the transport failure.
func post(ctx context.Context, client *http.Client, url string, body []byte) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return "request error"
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "transport error"
	}
	defer resp.Body.Close()
	var out response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	if len(out.Errors) > 0 {
		return out.Errors[0].Extensions.Code
	}
	if out.Data.Register == nil {
		return "no data"
	}
	return out.Data.Register.Registrant.Status
}

func (r *result) print(w io.Writer, cfg config) {
	n := len(r.latencies)
	fmt.Fprintf(w, "register: %d clients, %s over %d launch(es), idempotency keys %v\n",
		cfg.clients, cfg.duration, len(cfg.launchIDs), cfg.idempotency)
	if n == 0 {
		fmt.Fprintln(w, "no requests completed")
		return
	}
	ok := r.outcomes["CONFIRMED"] + r.outcomes["WAITLISTED"] + r.outcomes["PENDING"]
	pct := func(p float64) time.Duration { return r.latencies[min(n-1, int(float64(n)*p))] }
	fmt.Fprintf(w, "requests      %d (%.0f/s)\n", n, float64(n)/cfg.duration.Seconds())
	fmt.Fprintf(w, "registrations %d (%.0f/s)\n", ok, float64(ok)/cfg.duration.Seconds())
	fmt.Fprintf(w, "latency       p50 %s  p90 %s  p99 %s  max %s\n",
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), r.latencies[n-1].Round(10*time.Microsecond))
	keys := make([]string, 0, len(r.outcomes))
	for k := range r.outcomes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.outcomes[k]))
	}
	fmt.Fprintf(w, "outcomes      %s\n", strings.Join(parts, ", "))
	if r.batches {
		printBatches(w, r.before, r.after, cfg.duration.Seconds())
	}
}
