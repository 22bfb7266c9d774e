package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// batchStats is the server's launchgraph_registration_batch_size histogram at one moment.
type batchStats struct {
	count, sum float64
	// buckets maps an upper bound ("1", "2", …, "+Inf") to the batches at most that large.
	buckets map[string]float64
}

// scrapeBatches reads the group-commit histogram from the server's /metrics; ok is false
// when the server has none.
func scrapeBatches(ctx context.Context, client *http.Client, url string) (batchStats, bool) {
	st := batchStats{buckets: map[string]float64{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return st, false
	}
	resp, err := client.Do(req)
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	found := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, "launchgraph_registration_batch_size") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			continue
		}
		found = true
		switch {
		case name == "launchgraph_registration_batch_size_count":
			st.count = v
		case name == "launchgraph_registration_batch_size_sum":
			st.sum = v
		case strings.HasPrefix(name, `launchgraph_registration_batch_size_bucket{le="`):
			st.buckets[strings.TrimSuffix(strings.TrimPrefix(name, `launchgraph_registration_batch_size_bucket{le="`), `"}`)] = v
		}
	}
	return st, found
}

// printBatches writes the batches committed between before and after, over seconds.
func printBatches(w io.Writer, before, after batchStats, seconds float64) {
	n := after.count - before.count
	if n <= 0 {
		fmt.Fprintln(w, "batches       none recorded")
		return
	}
	bounds := make([]string, 0, len(after.buckets))
	for b := range after.buckets {
		bounds = append(bounds, b)
	}
	sort.Slice(bounds, func(i, j int) bool { return bound(bounds[i]) < bound(bounds[j]) })
	var parts []string
	prev := 0.0
	for _, b := range bounds {
		c := after.buckets[b] - before.buckets[b]
		if c-prev > 0 {
			parts = append(parts, fmt.Sprintf("≤%s: %.0f%%", b, 100*(c-prev)/n))
		}
		prev = c
	}
	fmt.Fprintf(w, "batches       %.0f (%.0f/s), mean size %.1f; %s\n", n, n/seconds, (after.sum-before.sum)/n, strings.Join(parts, ", "))
}

func bound(s string) float64 {
	if s == "+Inf" {
		return 1e18
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v
}
