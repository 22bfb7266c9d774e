package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"launchgraph/graph"
	"launchgraph/internal/store"
)

// NewServer builds the whole HTTP surface over its dependencies.
func NewServer(logger *slog.Logger, cfg config, db *store.DB, shuttingDown *atomic.Bool) http.Handler {
	gql := graph.NewHandler(logger, db.Client, graph.HandlerConfig{Introspection: cfg.Introspection})
	mux := http.NewServeMux()
	addRoutes(mux, logger, db, gql, shuttingDown)
	var h http.Handler = mux
	h = accessLog(logger, h)
	h = withRequestID(h)
	return h
}
