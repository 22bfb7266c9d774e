package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/privacy"
)

// Observer counts deliveries (metrics.Metrics).
type Observer interface {
	Notification(kind, outcome string)
}

// SenderConfig tunes a Sender; zero fields take the defaults.
type SenderConfig struct {
	// From is the envelope sender (MAIL_FROM).
	From string
	// MaxAttempts is how many deliveries are tried before a message is FAILED (8).
	MaxAttempts int
	// Poll is how often the outbox is read when nothing nudges (1s).
	Poll time.Duration
	// Batch is how many messages one claim takes (20).
	Batch int
	// Lease is how long a claimed message is hidden from other senders (10m): a sender
	// that dies mid-batch leaves its messages to be retried after it.
	Lease time.Duration
	// Backoff is the first retry delay, doubled per attempt with ±50% jitter (30s), up to
	// MaxBackoff (1h).
	Backoff    time.Duration
	MaxBackoff time.Duration
}

func (c *SenderConfig) defaults() {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Lease <= 0 {
		c.Lease = 10 * time.Minute
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
}

// Sender delivers the outbox. On PostgreSQL several senders (replicas) may run: each
// claims due messages with SELECT … FOR UPDATE SKIP LOCKED in a short transaction that
// takes a lease (attempts+1, next_attempt_at = now+Lease), sends outside it, then records
// the outcome. On SQLite one sender runs (its writers are serialised anyway).
type Sender struct {
	client    *ent.Client
	dialect   string
	transport Transport
	cfg       SenderConfig
	observer  Observer
	logger    *slog.Logger
	nudges    <-chan struct{}
	now       func() time.Time
}

// NewSender returns a Sender over client (of a store whose dialect is dialectName). nudges
// (may be nil) wakes it early; observer (may be nil) counts outcomes.
func NewSender(client *ent.Client, dialectName string, t Transport, cfg SenderConfig, observer Observer, logger *slog.Logger, nudges <-chan struct{}) *Sender {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{client: client, dialect: dialectName, transport: t, cfg: cfg, observer: observer,
		logger: logger, nudges: nudges, now: time.Now}
}

// Run delivers until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.nudges:
		}
		for ctx.Err() == nil {
			n, err := s.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				s.logger.Warn("outbox: delivery round failed", "err", err)
			}
			if err != nil || n < s.cfg.Batch {
				break
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(s.cfg.Poll)
	}
}

// RunOnce claims one batch of due messages and delivers it, returning how many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	batch, err := s.claim(ctx)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	var sess Session
	var openErr error
	for _, n := range batch {
		if n.Message == nil || len(*n.Message) == 0 || n.Attempts > s.cfg.MaxAttempts {
			// A lease that ran out as many times as a message may be tried.
			err := errors.New("outbox: no attempts left")
			if n.Message == nil || len(*n.Message) == 0 {
				err = errors.New("outbox: message has no body")
			}
			if rerr := s.record(ctx, n, &PermanentError{Err: err}); rerr != nil {
				return len(batch), rerr
			}
			continue
		}
		if sess == nil && openErr == nil {
			sess, openErr = s.transport.Open(ctx)
		}
		sendErr := openErr
		if sendErr == nil {
			sendErr = sess.Send(ctx, Envelope{ID: n.ID, From: envelopeAddr(s.cfg.From), To: n.Recipient, MIME: *n.Message})
		}
		// Record with a context that outlives a shutdown: the message went out.
		if rerr := s.record(context.WithoutCancel(ctx), n, sendErr); rerr != nil {
			return len(batch), rerr
		}
	}
	if sess != nil {
		_ = sess.Close()
	}
	return len(batch), nil
}

// claim takes a lease on up to Batch due messages.
func (s *Sender) claim(ctx context.Context) ([]*ent.Notification, error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	now := s.now()
	q := tx.Notification.Query().
		Where(notification.StatusEQ(notification.StatusPENDING), notification.NextAttemptAtLTE(now)).
		Order(notification.ByNextAttemptAt(), notification.ByID()).
		Limit(s.cfg.Batch)
	if s.dialect == dialect.Postgres {
		q.Modify(func(sel *entsql.Selector) { sel.ForUpdate(entsql.WithLockAction(entsql.SkipLocked)) })
	}
	batch, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	if len(batch) == 0 {
		return nil, nil
	}
	ids := make([]int, len(batch))
	for i, n := range batch {
		ids[i] = n.ID
		n.Attempts++
	}
	err = tx.Notification.Update().
		Where(notification.IDIn(ids...)).
		AddAttempts(1).
		SetNextAttemptAt(now.Add(s.cfg.Lease)).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return batch, nil
}

// record stores the outcome of delivering n: SENT, a retry, or FAILED. The body is erased
// once the message is sent or has failed.
func (s *Sender) record(ctx context.Context, n *ent.Notification, sendErr error) error {
	now := s.now()
	upd := s.client.Notification.Update().
		Where(notification.ID(n.ID), notification.StatusEQ(notification.StatusPENDING))
	var outcome string
	switch {
	case sendErr == nil:
		outcome = "sent"
		upd.SetStatus(notification.StatusSENT).ClearMessage().SetSentAt(now).SetLastError("")
	case IsPermanent(sendErr) || n.Attempts >= s.cfg.MaxAttempts:
		outcome = "failed"
		upd.SetStatus(notification.StatusFAILED).ClearMessage().SetLastError(truncate(sendErr.Error(), 1000))
		s.logger.Warn("outbox: notification failed", "id", n.ID, "kind", n.Kind, "attempts", n.Attempts, "err", sendErr)
	default:
		outcome = "retry"
		upd.SetNextAttemptAt(now.Add(s.backoff(n.Attempts))).SetLastError(truncate(sendErr.Error(), 1000))
	}
	if err := upd.Exec(ctx); err != nil {
		return fmt.Errorf("outbox: record %s of %d: %w", outcome, n.ID, err)
	}
	if s.observer != nil {
		s.observer.Notification(string(n.Kind), outcome)
	}
	return nil
}

// backoff is the delay before attempt attempts+1: Backoff·2^(attempts-1), at most
// MaxBackoff, times a random factor in [0.5, 1.5).
func (s *Sender) backoff(attempts int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
