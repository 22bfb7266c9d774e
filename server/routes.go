package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/playground"

	"launchgraph/internal/store"
)

// addRoutes is the whole API surface in one place.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, db *store.DB, gql *handler.Server, shuttingDown *atomic.Bool) {
	mux.Handle("/graphql", gql)
	mux.Handle("GET /{$}", playground.Handler("launchgraph", "/graphql"))
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(logger, db, shuttingDown))
	mux.Handle("GET /schema.graphql", handleSchema(gql))
}
