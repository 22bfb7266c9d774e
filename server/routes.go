package main

import (
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql/handler"

	"launchgraph/internal/export"
	"launchgraph/internal/feeds"
	"launchgraph/internal/graphiql"
	"launchgraph/internal/httpcache"
)

// addRoutes is the whole API surface in one place.
func addRoutes(mux *http.ServeMux, a *app, gql *handler.Server, shuttingDown *atomic.Bool) {
	logger, db, m, cfg := a.logger, a.db, a.metrics, a.cfg
	mux.Handle("/graphql", withStreams(gql, httpcache.Middleware(cfg.CacheMaxAge)(gql)))
	mux.Handle("GET /{$}", graphiql.Page("launchgraph", "/graphql"))
	mux.Handle("GET "+graphiql.Prefix+"{name}", graphiql.Files())
	mux.Handle("GET /favicon.ico", graphiql.Favicon())
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(logger, db, shuttingDown))
	mux.Handle("GET /schema.graphql", handleSchema(a.schema))
	mux.Handle("GET /metrics", m.Handler())

	cal := feeds.New(db.Client, logger, cfg.CacheMaxAge)
	mux.Handle("GET /feeds/launches.ics", cal.Launches())
	mux.Handle("GET /feeds/launches/{file}", cal.Launch()) // {slug}.ics
	mux.Handle("GET /exports/launches/{slug}/registrants.csv", export.Registrants(db.Client, logger))
	addManage(mux, a) // /manage, /manage/cancel, /manage/calendar.ics
}
