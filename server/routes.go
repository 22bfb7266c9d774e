package main

import (
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql/handler"

	"launchgraph/internal/graphiql"
	"launchgraph/internal/httpcache"
)

// addRoutes is the whole API surface in one place.
func addRoutes(mux *http.ServeMux, a *app, gql *handler.Server, shuttingDown *atomic.Bool) {
	logger, db, m, cfg := a.logger, a.db, a.metrics, a.cfg
	mux.Handle("/graphql", withStreams(gql, httpcache.Middleware(cfg.CacheMaxAge)(gql)))
	mux.Handle("GET /{$}", ifIntrospection(cfg, graphiql.Page("launchgraph", "/graphql")))
	mux.Handle("GET "+graphiql.Prefix+"{name}", ifIntrospection(cfg, graphiql.Files()))
	mux.Handle("GET /favicon.ico", graphiql.Favicon())
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(logger, db, shuttingDown))
	mux.Handle("GET /schema.graphql", ifIntrospection(cfg, handleSchema(a.schema)))
	if cfg.MetricsAddr == "" { // else on its own listener (serve)
		mux.Handle("GET /metrics", metricsAccess(cfg, m.Handler()))
	}

	cal := calendarFeeds{client: db.Client, logger: logger, maxAge: cfg.CacheMaxAge}
	mux.Handle("GET /feeds/launches.ics", cal.launches())
	mux.Handle("GET /feeds/launches/{file}", cal.launch()) // {slug}.ics
	mux.Handle("GET /exports/launches/{slug}/registrants.csv", handleRegistrantsCSV(db.Client, logger))
	addManage(mux, a) // /manage, /manage/cancel, /manage/calendar.ics
}
