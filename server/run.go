package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"

	"launchgraph/internal/metrics"
	"launchgraph/internal/registration"
	"launchgraph/internal/seed"
	"launchgraph/internal/store"
)

const usage = `usage: server [serve|demo|migrate|seed|apikey] [flags]

  serve    run the HTTP server (default); migrates and seeds an empty store first
  demo     serve, with a sandbox launch open for registration (development only)
  migrate  apply the database migrations and exit
  seed     load the COP 2020 seed data (idempotent) and exit
  apikey   create, list or revoke API keys (run "server apikey" for its usage)

Run "server -h" for the flags; each flag has an environment variable.`

// run is the whole program: main only wires the process to it, tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve", "migrate", "seed":
	case "demo":
		cmd, rest = "serve", append([]string{"-demo"}, rest...)
	case "apikey":
		return runAPIKey(ctx, rest, getenv, stdout, stderr)
	case "help":
		return printHelp("serve", getenv, stdout)
	default:
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if wantsHelp(rest) {
		return printHelp(cmd, getenv, stdout)
	}
	cfg, err := loadConfig(cmd, rest, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)

	// A port in use fails at once, before migrations and seeding.
	var ln net.Listener
	if cmd == "serve" {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		defer ln.Close()
	}
	db, err := store.Open(ctx, store.Config{
		URL:          cfg.DatabaseURL,
		DataDir:      cfg.DataDir,
		MaxOpenConns: cfg.MaxOpenConns,
		MaxIdleConns: cfg.MaxIdleConns,
		// 0 turns the cache off; store.Config's 0 means its default.
		StatementCacheSize: cfg.StatementCacheSize,
		NoStatementCache:   cfg.StatementCacheSize == 0,
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if cmd != "serve" {
		return runStoreCommand(ctx, cmd, db, stdout)
	}
	return serve(ctx, cfg, logger, db, ln, stdout)
}

// runStoreCommand runs `migrate` or `seed` on db.
func runStoreCommand(ctx context.Context, cmd string, db *store.DB, stdout io.Writer) error {
	if cmd == "migrate" {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		return repairSeats(ctx, db, stdout)
	}
	res, err := seed.Load(ctx, db.Client)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed: %d created, %d updated\n", res.Created, res.Updated)
	return repairSeats(ctx, db, stdout)
}

// repairSeats recomputes every launch's seat counters from its registrants (the repair
// path after registrants were written around the service) and reports what it fixed.
func repairSeats(ctx context.Context, db *store.DB, stdout io.Writer) error {
	drifts, err := registration.NewService(db.Client).RepairSeats(ctx)
	if err != nil {
		return err
	}
	for _, d := range drifts { // silent when every counter was right
		fmt.Fprintf(stdout, "seat counters of launch %d repaired: %+v, were %+v\n", d.LaunchID, d.Counted, d.Stored)
	}
	return nil
}

// serve prepares the store, then serves HTTP on ln until ctx ends and shuts down
// gracefully. It tells stdout where it serves (and, in development, the admin key it made).
func serve(ctx context.Context, cfg config, logger *slog.Logger, db *store.DB, ln net.Listener, stdout io.Writer) error {
	if err := prepareStore(ctx, cfg, logger, db); err != nil {
		return err
	}
	dev, err := prepareDevelopment(ctx, cfg, db)
	if err != nil {
		return err
	}

	var shuttingDown atomic.Bool
	a, err := newApp(cfg, logger, db)
	if err != nil {
		return err
	}
	defer a.startSender(ctx)()
	handler := NewServer(a, &shuttingDown)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Websockets and SSE streams never go idle: they are closed when shutdown starts.
	srv.RegisterOnShutdown(a.stopStreams)
	logger.Info("launchgraph listening", "addr", ln.Addr().String(), "store", db.Dialect)
	printBanner(stdout, ln.Addr(), cfg, dev)
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(cfg.MetricsAddr, a.metrics, logger)
		if err != nil {
			return err
		}
		defer stop()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutDown(cfg, logger, srv, &shuttingDown, errc)
}

// prepareStore migrates the store (unless -migrate=false) and seeds the COP 2020 data
// into it when it is empty (unless -seed=false).
func prepareStore(ctx context.Context, cfg config, logger *slog.Logger, db *store.DB) error {
	if cfg.Migrate {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	if !cfg.Seed {
		return nil
	}
	empty, err := seed.Empty(ctx, db.Client)
	if err != nil || !empty {
		return err
	}
	res, err := seed.Load(ctx, db.Client)
	if err != nil {
		return err
	}
	logger.Info("seeded the COP 2020 data into an empty store", "created", res.Created)
	return nil
}

// shutDown stops srv gracefully once ctx has ended; errc carries what Serve returned.
func shutDown(cfg config, logger *slog.Logger, srv *http.Server, shuttingDown *atomic.Bool, errc <-chan error) error {
	// Readiness fails first, so a load balancer stops sending new requests while the
	// listener still accepts them; then in-flight requests finish within the grace period.
	logger.Info("shutting down", "grace", cfg.ShutdownGrace.String(), "drain", cfg.ShutdownDrain.String())
	shuttingDown.Store(true)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	select {
	case <-time.After(cfg.ShutdownDrain):
	case <-shutdownCtx.Done():
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// newLogger writes text on a terminal and JSON elsewhere, unless LOG_FORMAT says otherwise.
func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) && !cfg.production() {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// serveMetrics serves /metrics alone on addr (METRICS_ADDR), until stop.
func serveMetrics(addr string, m *metrics.Metrics, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("metrics listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}
