package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"

	"launchgraph/graph"
	"launchgraph/internal/auth"
	"launchgraph/internal/metrics"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
)

// NewServer builds the whole HTTP surface over its dependencies. A request passes, in
// order: request id → access log → CORS → JSON-only POSTs → body limit → API key → rate
// limit → route. Its StopStreams method (streamHandler) closes the websockets and
// subscriptions at shutdown.
func NewServer(logger *slog.Logger, cfg config, db *store.DB, m *metrics.Metrics, shuttingDown *atomic.Bool) http.Handler {
	streams, stopStreams := context.WithCancel(context.Background())
	regOpts := []registration.Option{registration.WithObserver(m)}
	if cfg.Mail.outbox != nil {
		regOpts = append(regOpts, registration.WithNotifier(cfg.Mail.outbox))
	}
	gql := graph.NewHandler(logger, db.Client, graph.HandlerConfig{
		Introspection:    cfg.Introspection,
		Limits:           graph.Limits{KeyComplexity: cfg.KeyComplexity},
		OperationTimeout: cfg.OperationTimeout,
		Observer:         m,
		Events:           db.Events,
		AllowedOrigins:   cfg.AllowedOrigins,
		Streams:          streams,
		Outbox:           cfg.Mail.outbox,
		Registration:     registration.NewService(db.Client, regOpts...),
	})
	mux := http.NewServeMux()
	addRoutes(mux, logger, db, gql, m, shuttingDown, cfg)
	var h http.Handler = mux
	h = rateLimit(cfg.RateLimits)(h)
	h = auth.Middleware(db.Client, logger)(h)
	h = limitBody(h)
	h = onlyJSONPosts(h)
	h = withCORS(cfg.AllowedOrigins)(h)
	h = accessLog(logger, h)
	h = withRequestID(h)
	return streamHandler{Handler: h, stop: stopStreams}
}
