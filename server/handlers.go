package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/formatter"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
)

// handleHealthz answers while the process is up.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// handleReadyz answers 200 while the database is reachable and the server is not
// shutting down, 503 otherwise.
func handleReadyz(logger *slog.Logger, db *store.DB, shuttingDown *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if shuttingDown.Load() {
			writeError(w, r, apperr.Errorf(apperr.Unavailable, "shutting down"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			logger.WarnContext(ctx, "readyz: database unreachable", "err", err)
			writeError(w, r, apperr.Errorf(apperr.Unavailable, "database unreachable"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ready\n"))
	})
}

// handleSchema serves schema as SDL.
func handleSchema(schema graphql.ExecutableSchema) http.Handler {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatSchema(schema.Schema())
	sdl := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(sdl)
	})
}

// ifIntrospection serves next (the schema, GraphiQL) where introspection is: for everyone
// when INTROSPECTION is on, for admin keys always; others get 404.
func ifIntrospection(cfg config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cfg.Introspection && !auth.FromContext(r.Context()).IsAdmin() {
			writeError(w, r, apperr.Errorf(apperr.NotFound, "not found: introspection is disabled on this server"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsAccess serves the metrics to everyone in development and to admin keys in
// production (operation names, pool sizes and error rates are not for the public).
func metricsAccess(cfg config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := auth.FromContext(r.Context()); cfg.production() && !v.IsAdmin() {
			if v.Role == auth.Public {
				w.Header().Set("WWW-Authenticate", `Bearer realm="launchgraph"`)
				writeError(w, r, apperr.Errorf(apperr.Unauthenticated, "/metrics needs an ADMIN API key in production, or METRICS_ADDR"))
				return
			}
			writeError(w, r, apperr.Errorf(apperr.Forbidden, "/metrics needs an ADMIN API key in production"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
