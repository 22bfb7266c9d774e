package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"launchgraph/internal/store/storetest"
)

func TestTransportProtections(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db, func(c *config) { c.AllowedOrigins = []string{"https://partner.example"} })
	huge := `{"query":"{ regions { totalCount } }","x":"` + strings.Repeat("a", 10<<20) + `"}`
	tests := []struct {
		name, method, contentType, body string
		status                          int
		code                            string
	}{
		{"10 MB body", http.MethodPost, "application/json", huge, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT"},
		{"batched array", http.MethodPost, "application/json", `[{"query":"{ regions { totalCount } }"},{"query":"{ regions { totalCount } }"}]`, http.StatusBadRequest, "BAD_USER_INPUT"},
		{"multipart form", http.MethodPost, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--x--", http.StatusUnsupportedMediaType, "BAD_USER_INPUT"},
		{"url-encoded form", http.MethodPost, "application/x-www-form-urlencoded", "query=%7B__typename%7D", http.StatusUnsupportedMediaType, "BAD_USER_INPUT"},
		// A request error under application/json is 200 (GraphQL over HTTP; issue 11.12).
		{"two operations, none named", http.MethodPost, "application/json", `{"query":"query a { __typename } query b { __typename }"}`, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			req, _ := http.NewRequest(tt.method, srv.URL+"/graphql", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !bytes.Contains(raw, []byte(`"code":"`+tt.code+`"`)) {
				t.Fatalf("got %d %s, want %d with %s", resp.StatusCode, raw, tt.status, tt.code)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}

	t.Run("mutation over GET", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/graphql?query=" + urlQuery(`mutation { deleteSpeaker(id: 1) }`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotAcceptable && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, want 405 or 406", resp.StatusCode)
		}
	})

	t.Run("CORS", func(t *testing.T) {
		for origin, allowed := range map[string]bool{"https://partner.example": true, "https://evil.example": false} {
			req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/graphql", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if (got == origin) != allowed {
				t.Errorf("origin %s: Access-Control-Allow-Origin %q, allowed=%v", origin, got, allowed)
			}
		}
	})
}

func TestRateLimits(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db, func(c *config) { c.RateLimits = RateLimits{Anonymous: 5, Register: 2} })
	post := func(query string) *http.Response {
		t.Helper()
		resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":`+quote(query)+`}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	const register = `mutation { register(input: {launchId: 1, name: "A", email: "a@example.org", consent: true}) { manageToken } }`
	for i := range 2 {
		if resp := post(register); resp.StatusCode != http.StatusOK {
			t.Fatalf("register %d: status %d", i, resp.StatusCode)
		}
	}
	resp := post(register)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third register: status %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The two accepted registers count against the anonymous budget of 5; the refused one
	// stopped before it.
	for i := range 3 {
		if resp := post(`{ __typename }`); resp.StatusCode != http.StatusOK {
			t.Fatalf("query %d: status %d", i, resp.StatusCode)
		}
	}
	if resp := post(`{ __typename }`); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth request: status %d, want 429", resp.StatusCode)
	}
	// An admin key is not limited.
	key := adminKey(t, db)
	for range 3 {
		if status, raw := sendGQL(t, srv.URL, key, `{ __typename }`, nil); status != http.StatusOK {
			t.Fatalf("admin: %d %s", status, raw)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db)
	mustData(t, srv.URL, `query Launches { launches { totalCount } }`, nil, &struct{}{})
	postGQL(t, srv.URL, `query Bad { launches(first: 1000) { totalCount } }`, nil)
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`launchgraph_graphql_operations_total{operation="Launches",outcome="ok",type="query"} 1`,
		`launchgraph_graphql_errors_total{code="BAD_USER_INPUT"} 1`,
		`launchgraph_graphql_operation_duration_seconds_bucket`,
		`go_sql_max_open_connections{db_name="launchgraph"}`,
		`go_sql_in_use_connections{db_name="launchgraph"}`,
		`go_sql_wait_count_total{db_name="launchgraph"}`,
		`go_sql_wait_duration_seconds_total{db_name="launchgraph"}`,
		`launchgraph_websocket_connections 0`,
		`launchgraph_active_subscriptions 0`,
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
