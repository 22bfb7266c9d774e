package main

import (
	"net/http"
	"strings"
	"time"

	"launchgraph/internal/httpcache"
)

// withStreams sends websocket upgrades and SSE requests to stream, past the HTTP cache
// (whose recorder can neither hijack nor flush), with the server's read and write
// deadlines lifted: they live as long as their client, and ReadTimeout would otherwise
// cancel an SSE stream's context after 30 s. Other requests go to next.
func withStreams(stream, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
			!strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		// The same Vary as every /graphql response (httpcache), so that no cache mixes them up.
		w.Header().Add("Vary", httpcache.Vary)
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		stream.ServeHTTP(w, r)
	})
}

// Flush lets SSE stream through the access log's recorder (gqlgen asserts http.Flusher).
func (s *statusRecorder) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }
