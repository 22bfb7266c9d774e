package httpcache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestNotModified(t *testing.T) {
	etag := ETag([]byte("body"))
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{etag, true},
		{"W/" + etag, true},
		{`"a", ` + etag, true},
		{"*", true},
		{`"other"`, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.header != "" {
			r.Header.Set("If-None-Match", tt.header)
		}
		if got := NotModified(r, etag); got != tt.want {
			t.Errorf("If-None-Match %q: %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	handler := func(public bool, status int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if public {
				MarkPublic(r.Context())
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"data":{}}`)
		})
	}
	tests := []struct {
		name    string
		method  string
		auth    bool
		public  bool
		status  int
		maxAge  time.Duration
		control string
	}{
		{"public anonymous GET", http.MethodGet, false, true, 200, time.Minute, "public, max-age=60"},
		{"not marked public", http.MethodGet, false, false, 200, time.Minute, "no-store"},
		{"authenticated", http.MethodGet, true, true, 200, time.Minute, "no-store"},
		{"POST", http.MethodPost, false, true, 200, time.Minute, "no-store"},
		{"error status", http.MethodGet, false, true, 422, time.Minute, "no-store"},
		{"caching off", http.MethodGet, false, true, 200, 0, "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/graphql", nil)
			if tt.auth {
				r.Header.Set("Authorization", "Bearer x")
			}
			w := httptest.NewRecorder()
			Middleware(tt.maxAge)(handler(tt.public, tt.status)).ServeHTTP(w, r)
			if w.Code != tt.status || w.Header().Get("Cache-Control") != tt.control || w.Header().Get("Vary") != Vary || w.Body.String() != `{"data":{}}` {
				t.Errorf("status %d, headers %v, body %q", w.Code, w.Header(), w.Body)
			}
			if hasETag := w.Header().Get("ETag") != ""; hasETag != (tt.control != "no-store") {
				t.Errorf("ETag %q with Cache-Control %q", w.Header().Get("ETag"), tt.control)
			}
		})
	}
	MarkPublic(context.Background()) // outside the middleware: nothing to mark
}
