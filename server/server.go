package main

import (
	"net/http"
	"sync/atomic"

	"launchgraph/graph"
	"launchgraph/internal/auth"
)

// NewServer builds the whole HTTP surface over the app's services. A request passes, in
// order: request id → access log → CORS → JSON-only POSTs → body limit → API key → rate
// limit → route. The app's stopStreams closes its websockets and subscriptions.
func NewServer(a *app, shuttingDown *atomic.Bool) http.Handler {
	logger, cfg, db := a.logger, a.cfg, a.db
	gql := graph.NewHandler(logger, db.Client, graph.HandlerConfig{
		Introspection:    cfg.Introspection,
		Limits:           graph.Limits{KeyComplexity: cfg.KeyComplexity},
		OperationTimeout: cfg.OperationTimeout,
		Observer:         a.metrics,
		AllowedOrigins:   cfg.AllowedOrigins,
		Streams:          a.streams,
		Schema:           a.schema,
	})
	mux := http.NewServeMux()
	addRoutes(mux, a, gql, shuttingDown)
	var h http.Handler = mux
	h = rateLimit(cfg.RateLimits)(h)
	h = auth.Middleware(db.Client, logger)(h)
	h = limitBody(h)
	h = onlyJSONPosts(h)
	h = withCORS(cfg.AllowedOrigins)(h)
	h = accessLog(logger, h)
	h = withRequestID(h)
	return h
}
