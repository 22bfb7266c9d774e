package main

import (
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"launchgraph/graph"
	"launchgraph/internal/ratelimit"
)

// NewServer builds the whole HTTP surface over the app's services. A request passes, in
// order: request id → access log → CORS → JSON-only POSTs → body limit → client IP → API
// key → rate limit → route. The app's stopStreams closes its websockets and subscriptions.
func NewServer(a *app, shuttingDown *atomic.Bool) http.Handler {
	logger, cfg, db := a.logger, a.cfg, a.db
	limiter := ratelimit.New(cfg.RateLimits)
	shedding := cfg.shedding
	if shedding.Running == 0 {
		shedding.Running = 2 * db.SQL.Stats().MaxOpenConnections
	}
	keys := newKeyCache(a.streams, logger, db, cfg.keyCache)
	gql := graph.NewHandler(logger, db.Client, graph.HandlerConfig{
		Introspection:        cfg.Introspection,
		Limits:               graph.Limits{KeyComplexity: cfg.KeyComplexity},
		OperationTimeout:     cfg.OperationTimeout,
		AnonymousReadTimeout: cfg.AnonymousReadTimeout,
		Observer:             a.metrics,
		AllowedOrigins:       cfg.AllowedOrigins,
		Streams:              a.streams,
		Limiter:              limiter,
		Keys:                 keys,
		StreamTimings:        cfg.streamTimings,
		Shedding:             shedding,
		HTTP:                 []graphql.Transport{graphqlHTTP{get: true}, graphqlHTTP{}},
		Schema:               a.schema,
	})
	mux := http.NewServeMux()
	addRoutes(mux, a, gql, shuttingDown)
	var h http.Handler = mux
	h = rateLimit(limiter)(h)
	h = authenticate(keys, limiter, logger)(h)
	h = withClientIP(h)
	h = limitBody(h)
	h = onlyJSONPosts(h)
	h = withCORS(cfg.AllowedOrigins)(h)
	h = accessLog(logger, h)
	h = withRequestID(h)
	return h
}
