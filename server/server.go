package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"launchgraph/graph"
	"launchgraph/internal/metrics"
	"launchgraph/internal/ratelimit"
	"launchgraph/internal/store"
)

// NewServer builds the whole HTTP surface over its dependencies. A request passes, in
// order: request id → access log → CORS → JSON-only POSTs → body limit → client IP → API
// key → rate limit → route. Its StopStreams method (streamHandler) closes the websockets and
// subscriptions at shutdown.
func NewServer(logger *slog.Logger, cfg config, db *store.DB, m *metrics.Metrics, shuttingDown *atomic.Bool) http.Handler {
	streams, stopStreams := context.WithCancel(context.Background())
	limiter := ratelimit.New(cfg.RateLimits)
	shedding := cfg.shedding
	if shedding.Running == 0 {
		shedding.Running = 2 * db.SQL.Stats().MaxOpenConnections
	}
	keys := newKeyCache(streams, logger, db)
	gql := graph.NewHandler(logger, db.Client, graph.HandlerConfig{
		Introspection:        cfg.Introspection,
		Limits:               graph.Limits{KeyComplexity: cfg.KeyComplexity},
		OperationTimeout:     cfg.OperationTimeout,
		AnonymousReadTimeout: cfg.AnonymousReadTimeout,
		Observer:             m,
		Events:               db.Events,
		LiveClient:           db.Live,
		AllowedOrigins:       cfg.AllowedOrigins,
		Streams:              streams,
		Outbox:               cfg.Mail.outbox,
		Limiter:              limiter,
		Keys:                 keys,
		StreamTimings:        cfg.streamTimings,
		Shedding:             shedding,
		HTTP:                 []graphql.Transport{graphqlHTTP{get: true}, graphqlHTTP{}},
	})
	mux := http.NewServeMux()
	addRoutes(mux, logger, db, gql, m, shuttingDown, cfg)
	var h http.Handler = mux
	h = rateLimit(limiter)(h)
	h = authenticate(keys, limiter, logger)(h)
	h = withClientIP(h)
	h = limitBody(h)
	h = onlyJSONPosts(h)
	h = withCORS(cfg.AllowedOrigins)(h)
	h = accessLog(logger, h)
	h = withRequestID(h)
	return streamHandler{Handler: h, stop: stopStreams}
}
