package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"launchgraph/internal/metrics"
	"launchgraph/internal/outbox"
	"launchgraph/internal/store"
)

// startMail builds the outbox into cfg.Mail (NewServer hands it to the registration
// service), registers the oldest-pending gauge and starts the sender: over SMTP_URL, or
// writing .eml files under DATA_DIR/outbox. stop ends the sender and waits for it; call it
// after the HTTP server has shut down.
func startMail(ctx context.Context, cfg *config, logger *slog.Logger, db *store.DB, m *metrics.Metrics) (stop func(), err error) {
	ob := outbox.New(outbox.Renderer{From: cfg.Mail.From, PublicURL: cfg.Mail.PublicURL, ManageURL: cfg.Mail.ManageURL},
		outbox.WithSealSecret(cfg.Mail.TokenKey))
	if cfg.Mail.TokenKey == "" && cfg.production() {
		logger.Warn("no MAIL_TOKEN_KEY: manage tokens waiting in the outbox are sealed with the development key")
	}
	cfg.Mail.outbox = ob
	var t outbox.Transport
	if cfg.Mail.SMTPURL != "" {
		if t, err = outbox.NewSMTP(cfg.Mail.SMTPURL); err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
	} else {
		dir := filepath.Join(cfg.DataDir, "outbox")
		t = outbox.Files{Dir: dir, Logger: logger}
		logger.Info("no SMTP_URL: registration emails are written as .eml files", "dir", dir)
	}
	m.Register(outbox.OldestPendingGauge(db.Client))
	sender := outbox.NewSender(db.Client, db.Dialect, ob, t,
		outbox.SenderConfig{From: cfg.Mail.From, MaxAttempts: cfg.Mail.MaxAttempts}, m, logger)
	// Not cancelled with ctx: the sender outlives the HTTP server's drain.
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { sender.Run(ctx) })
	return func() { cancel(); wg.Wait() }, nil
}
