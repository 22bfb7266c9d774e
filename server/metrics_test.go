package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"launchgraph/internal/apperr"
	"launchgraph/internal/metrics"
	"launchgraph/internal/store/storetest"
)

// Issue 17.6: operation names are a bounded label set.
func TestMetricsLabelsAreBounded(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	for i := range 300 {
		dataAs(t, srv.URL, "", fmt.Sprintf("query made_up_%d { __typename }", i), nil, nil)
	}
	long := "q" + strings.Repeat("x", 100)
	dataAs(t, srv.URL, "", "query "+long+" { __typename }", nil, nil)
	_, raw := get(t, srv.URL+"/metrics")
	labels := map[string]bool{}
	for _, m := range regexp.MustCompile(`launchgraph_graphql_operations_total\{operation="([^"]*)"`).FindAllStringSubmatch(string(raw), -1) {
		labels[m[1]] = true
	}
	if len(labels) != metrics.MaxOperationNames+1 || !labels["other"] || labels[long] {
		t.Fatalf("%d operation labels (other: %v), want %d and other", len(labels), labels["other"], metrics.MaxOperationNames+1)
	}
	if !strings.Contains(string(raw), `launchgraph_graphql_operations_total{operation="other",outcome="ok",type="query"} 101`) {
		t.Fatalf("the 101 names past the bound are not counted as other")
	}
}

// Issue 17.6: in production /metrics needs an admin key (or its own address).
func TestMetricsAccess(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) { c.Env, c.Introspection = "production", false })
	for _, tt := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"anonymous", nil, http.StatusUnauthorized},
		{"partner", bearer(newKey(t, db, "PARTNER")), http.StatusForbidden},
		{"admin", bearer(adminKey(t, db)), http.StatusOK},
	} {
		if r, raw := get(t, srv.URL+"/metrics", tt.headers...); r.StatusCode != tt.status {
			t.Errorf("%s: %d %.100s, want %d", tt.name, r.StatusCode, raw, tt.status)
		}
	}
}

// METRICS_ADDR serves /metrics on its own listener, and the API's has none.
func TestMetricsAddress(t *testing.T) {
	maddr := freeAddr(t)
	url := startRun(t, map[string]string{"DATA_DIR": t.TempDir(), "METRICS_ADDR": maddr, "ENV": "production"})
	if r, _ := get(t, url+"/metrics"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("API /metrics: %d, want 404", r.StatusCode)
	}
	if r, raw := get(t, "http://"+maddr+"/metrics"); r.StatusCode != http.StatusOK || !strings.Contains(string(raw), "go_goroutines") {
		t.Fatalf("METRICS_ADDR /metrics: %d", r.StatusCode)
	}
}

// Every code of the API has its HTTP status.
func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range apperr.Codes() {
		if _, ok := httpStatus[c]; !ok {
			t.Errorf("no HTTP status for %s", c)
		}
	}
}
