package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"launchgraph/graph"
	"launchgraph/internal/catalog"
	"launchgraph/internal/live"
	"launchgraph/internal/metrics"
	"launchgraph/internal/outbox"
	"launchgraph/internal/refcache"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
)

// app is the server's object graph: the store, the metrics, the outbox and its sender,
// the registration, catalog and live services, and the GraphQL schema over them. newApp,
// the composition root, builds it once — for `serve` and for the tests alike — and nothing
// else builds a service: NewServer, graph.NewSchema and the handlers are handed theirs.
type app struct {
	cfg          config
	logger       *slog.Logger
	db           *store.DB
	metrics      *metrics.Metrics
	outbox       *outbox.Outbox
	sender       *outbox.Sender
	registration *registration.Service
	catalog      *catalog.Service
	live         *live.Service
	refs         *refcache.Cache
	schema       graphql.ExecutableSchema
	// streams ends every websocket and subscription when stopStreams is called (at
	// shutdown, before the HTTP server waits for its connections).
	streams     context.Context
	stopStreams context.CancelFunc
}

// newApp builds the app over db for cfg.
func newApp(cfg config, logger *slog.Logger, db *store.DB) (*app, error) {
	a := &app{cfg: cfg, logger: logger, db: db, metrics: metrics.New(db.SQL)}
	if err := a.buildOutbox(); err != nil {
		return nil, err
	}
	a.registration = registration.NewService(db.Client, registration.WithBatchWorkers(cfg.BatchWorkers),
		registration.WithNotifier(a.outbox), registration.WithObserver(a.metrics))
	a.catalog = catalog.New(db.Client, a.registration)
	// Subscriptions read through a pool of their own when the store has one (db.Live),
	// seat counts included: a registration service over it, for reads only.
	liveClient, liveSeats := db.Client, a.registration
	if db.Live != nil {
		liveClient, liveSeats = db.Live, registration.NewService(db.Live)
	}
	a.live = live.NewService(liveClient, db.Events, liveSeats)
	a.streams, a.stopStreams = context.WithCancel(context.Background())
	a.refs = newRefCache(a.streams, logger, db)
	a.schema = graph.NewSchema(graph.Services{
		Client: db.Client, Registration: a.registration, Catalog: a.catalog, Live: a.live, Outbox: a.outbox,
		Refs: a.refs,
	})
	return a, nil
}

// buildOutbox builds the outbox and its sender: over SMTP_URL, or writing .eml files under
// DATA_DIR/outbox; and registers the oldest-pending gauge.
func (a *app) buildOutbox() error {
	cfg := a.cfg.Mail
	a.outbox = outbox.New(outbox.Renderer{From: cfg.From, PublicURL: cfg.PublicURL, ManageURL: cfg.ManageURL},
		outbox.WithSealSecret(cfg.TokenKey))
	if cfg.TokenKey == "" && a.cfg.production() {
		a.logger.Warn("no MAIL_TOKEN_KEY: manage tokens waiting in the outbox are sealed with the development key")
	}
	var t outbox.Transport
	if cfg.SMTPURL != "" {
		var err error
		if t, err = outbox.NewSMTP(cfg.SMTPURL); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	} else {
		dir := filepath.Join(a.cfg.DataDir, "outbox")
		t = outbox.Files{Dir: dir, Logger: a.logger}
		a.logger.Info("no SMTP_URL: registration emails are written as .eml files", "dir", dir)
	}
	a.metrics.Register(outbox.OldestPendingGauge(a.db.Client))
	a.sender = outbox.NewSender(a.db, a.outbox, t,
		outbox.SenderConfig{From: cfg.From, MaxAttempts: cfg.MaxAttempts}, a.metrics, a.logger)
	return nil
}

// startSender runs the sender until stop, which waits for it: call stop after the HTTP
// server has shut down (the sender outlives the drain, so it is not stopped by ctx).
func (a *app) startSender(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.sender.Run(ctx) })
	return func() { cancel(); wg.Wait() }
}

// newRefCache returns the reference-row cache (regions and formats) over db, dropping a
// table when this process changes it and when the broker reports another replica's change,
// until ctx ends (shutdown). On SQLite another process (the seed command) sends no event:
// its tables are kept for a second at most.
func newRefCache(ctx context.Context, logger *slog.Logger, db *store.DB) *refcache.Cache {
	cfg := refcache.Config{TTL: time.Minute}
	if db.Dialect != "postgres" {
		cfg.TTL = time.Second
	}
	c := refcache.New(db.Client, cfg)
	db.OnRefChange(c.Changed)
	if err := c.Follow(ctx, db.Events); err != nil {
		logger.Warn("refs: other replicas' changes to regions and formats reach this one only through the TTL", "err", err)
	}
	return c
}
