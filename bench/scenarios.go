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
	"slices"
	"strconv"
	"sync"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/bench/scenario"
	"launchgraph/internal/store"
)

// runSeed creates the benchmark dataset (scenario.Seed): launches PUBLISHED launches over
// the six regions with registrants of every status, country and stakeholder in each,
// written in bulk as trusted code.
func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", "", "database of the server (required)")
	launches := fs.Int("launches", 60, "launches to create")
	registrants := fs.Int("registrants", 20000, "registrants in all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("seed: -database-url is required")
	}
	db, err := store.Open(ctx, store.Config{URL: *dbURL, MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	ds, err := scenario.Seed(ctx, db.Client, *launches, *registrants)
	if err != nil {
		return err
	}
	if db.Dialect == dialect.Postgres {
		// As a database in service is: statistics for the planner, and a visibility map so
		// that covering indexes are read without the table (autovacuum would get there later).
		if _, err := db.SQL.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
			return fmt.Errorf("seed: vacuum: %w", err)
		}
	}
	fmt.Fprintf(stdout, "created %d launches over %d regions (first id %d) and %d registrants in %s\n",
		len(ds.LaunchIDs), min(len(ds.LaunchIDs), len(scenario.Regions)), ds.LaunchIDs[0], ds.Registrants,
		time.Since(start).Round(time.Millisecond))
	return nil
}

// runQuery drives one read scenario and checks that no response has errors.
func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "a", "a, b or c")
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	key := fs.String("key", "", "API key (admin for b and c)")
	id := fs.String("id", "", "launch id for a and c")
	clients := fs.Int("c", 32, "concurrent clients")
	duration := fs.Duration("d", 10*time.Second, "measured duration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	query, ok := scenario.Queries[*name]
	if !ok {
		return fmt.Errorf("query: unknown scenario %q", *name)
	}
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"id": *id}})
	tr := &http.Transport{MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	end := time.Now().Add(*duration)
	var mu sync.Mutex
	var latencies []time.Duration
	failures := map[string]int{}
	var wg sync.WaitGroup
	for range *clients {
		wg.Go(func() {
			var mine []time.Duration
			bad := map[string]int{}
			for time.Now().Before(end) && ctx.Err() == nil {
				start := time.Now()
				if outcome := send(ctx, client, *url, *key, body); outcome != "" {
					bad[outcome]++
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			for k, v := range bad {
				failures[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(latencies)
	n := len(latencies)
	if n == 0 {
		return errors.New("query: no requests completed")
	}
	pct := func(p float64) time.Duration {
		return latencies[min(n-1, int(float64(n)*p))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(stdout, "scenario %s: %d clients, %s: %d requests (%.0f/s), p50 %s p99 %s, failures %v\n",
		*name, *clients, *duration, n, float64(n)/duration.Seconds(), pct(0.5), pct(0.99), failures)
	if len(failures) > 0 {
		return fmt.Errorf("query: %d kinds of failure", len(failures))
	}
	return nil
}

// send posts one request; it returns "" for a response without errors, else what failed.
func send(ctx context.Context, client *http.Client, url, key string, body []byte) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return "request error"
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "transport error"
	}
	defer resp.Body.Close()
	var out struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	if len(out.Errors) > 0 {
		return out.Errors[0].Extensions.Code
	}
	return ""
}
