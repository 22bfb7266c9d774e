package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/notification"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/registration"
	"launchgraph/internal/txn"
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
	// Batch is how many notifications one claim takes (100).
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
		c.Batch = 100
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

// Sender renders and delivers the outbox. On PostgreSQL several senders (replicas) may
// run: each claims due notifications with SELECT … FOR UPDATE SKIP LOCKED in a short
// transaction that takes a lease (attempts+1, next_attempt_at = now+Lease), renders and
// sends them outside it, then records the outcomes (the sent ones of a batch in a statement
// or two). On SQLite one sender runs (its writers are serialised anyway).
type Sender struct {
	client    *ent.Client
	dialect   string
	outbox    *Outbox
	transport Transport
	cfg       SenderConfig
	observer  Observer
	logger    *slog.Logger
	now       func() time.Time
}

// NewSender returns a Sender of ob's notifications over client (of a store whose dialect
// is dialectName), woken early by ob's nudges; observer (may be nil) counts outcomes.
func NewSender(client *ent.Client, dialectName string, ob *Outbox, t Transport, cfg SenderConfig, observer Observer, logger *slog.Logger) *Sender {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{client: client, dialect: dialectName, outbox: ob, transport: t, cfg: cfg, observer: observer,
		logger: logger, now: time.Now}
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
		case <-s.outbox.Nudges():
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

// RunOnce claims one batch of due notifications, renders and delivers it, and returns how
// many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	batch, err := s.claim(ctx)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	letters, err := s.letters(ctx, batch)
	if err != nil {
		return len(batch), err
	}
	var sess Session
	var openErr error
	var sent []sentMessage
	for i, n := range batch {
		l := letters[i]
		if l.err != nil {
			if rerr := s.record(ctx, n, &PermanentError{Err: l.err}); rerr != nil {
				return len(batch), rerr
			}
			continue
		}
		if sess == nil && openErr == nil {
			sess, openErr = s.transport.Open(ctx)
		}
		sendErr := openErr
		if sendErr == nil {
			sendErr = sess.Send(ctx, Envelope{ID: n.ID, From: envelopeAddr(s.cfg.From), To: n.Recipient, MIME: l.msg.MIME})
		}
		if sendErr == nil {
			sent = append(sent, sentMessage{n: n, subject: l.msg.Subject})
			continue
		}
		// Record with a context that outlives a shutdown: the attempt was made.
		if rerr := s.record(context.WithoutCancel(ctx), n, sendErr); rerr != nil {
			return len(batch), rerr
		}
	}
	if sess != nil {
		_ = sess.Close()
	}
	return len(batch), s.recordSent(context.WithoutCancel(ctx), sent)
}

// letter is a claimed notification rendered, or why it cannot be.
type letter struct {
	msg Rendered
	err error
}

// letters renders a claimed batch: its registrants and launches are read in two
// statements, and each message is rendered from what its notification recorded.
func (s *Sender) letters(ctx context.Context, batch []*ent.Notification) ([]letter, error) {
	var ids []int
	for _, n := range batch {
		if n.RegistrantID != nil {
			ids = append(ids, *n.RegistrantID)
		}
	}
	rs, err := s.client.Registrant.Query().Where(registrant.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: read registrants: %w", err)
	}
	byID := make(map[int]*ent.Registrant, len(rs))
	launchIDs := map[int]bool{}
	for _, r := range rs {
		byID[r.ID] = r
		launchIDs[r.LaunchID] = true
	}
	ls, err := s.client.Launch.Query().Where(launch.IDIn(slices.Collect(maps.Keys(launchIDs))...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: read launches: %w", err)
	}
	launches := make(map[int]*ent.Launch, len(ls))
	for _, l := range ls {
		launches[l.ID] = l
	}
	out := make([]letter, len(batch))
	cache := newRenderCache()
	for i, n := range batch {
		out[i] = s.render(n, byID, launches, cache)
	}
	return out, nil
}

// render renders notification n.
func (s *Sender) render(n *ent.Notification, registrants map[int]*ent.Registrant, launches map[int]*ent.Launch, cache *renderCache) letter {
	if n.Attempts > s.cfg.MaxAttempts {
		// A lease that ran out as many times as a notification may be tried.
		return letter{err: errors.New("outbox: no attempts left")}
	}
	var r *ent.Registrant
	if n.RegistrantID != nil {
		r = registrants[*n.RegistrantID]
	}
	if r == nil {
		return letter{err: errors.New("outbox: the registrant is gone")}
	}
	l := launches[r.LaunchID]
	as := *r // as the change left it
	as.Email = n.Recipient
	if n.RegistrantStatus != nil {
		as.Status = registrant.Status(*n.RegistrantStatus)
		as.WaitlistPosition = n.WaitlistPosition
	}
	as.Language = &n.Language
	notice := registration.Notice{Kind: n.Kind, Registrant: &as}
	if n.SealedToken != nil && len(*n.SealedToken) > 0 {
		token, err := s.outbox.open(*n.SealedToken)
		if err != nil {
			return letter{err: fmt.Errorf("render: %w", err)}
		}
		notice.ManageToken = token
	}
	msg, err := s.outbox.renderer.render(notice, l, cache)
	if err != nil {
		return letter{err: fmt.Errorf("render: %w", err)}
	}
	return letter{msg: msg}
}

// claim takes a lease on up to Batch due notifications.
func (s *Sender) claim(ctx context.Context) ([]*ent.Notification, error) {
	var batch []*ent.Notification
	err := txn.Run(ctx, s.client, txn.Policy{MaxAttempts: 1}, func(ctx context.Context, tx *ent.Client) error {
		now := s.now()
		q := tx.Notification.Query().
			Where(notification.StatusEQ(notification.StatusPENDING), notification.NextAttemptAtLTE(now)).
			Order(notification.ByNextAttemptAt(), notification.ByID()).
			Limit(s.cfg.Batch)
		if s.dialect == dialect.Postgres {
			q.Modify(func(sel *entsql.Selector) { sel.ForUpdate(entsql.WithLockAction(entsql.SkipLocked)) })
		}
		var err error
		if batch, err = q.All(ctx); err != nil || len(batch) == 0 {
			return err
		}
		ids := make([]int, len(batch))
		for i, n := range batch {
			ids[i] = n.ID
			n.Attempts++
		}
		return tx.Notification.Update().
			Where(notification.IDIn(ids...)).
			AddAttempts(1).
			SetNextAttemptAt(now.Add(s.cfg.Lease)).
			Exec(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return batch, nil
}

// sentMessage is a delivered notification and the subject it went out with.
type sentMessage struct {
	n       *ent.Notification
	subject string
}

// recordSent marks sent notifications SENT and erases their tokens: one statement per
// subject (a batch has few: one per kind, language and launch).
func (s *Sender) recordSent(ctx context.Context, sent []sentMessage) error {
	bySubject := map[string][]int{}
	var order []string
	for _, m := range sent {
		if _, ok := bySubject[m.subject]; !ok {
			order = append(order, m.subject)
		}
		bySubject[m.subject] = append(bySubject[m.subject], m.n.ID)
	}
	now := s.now()
	for _, subject := range order {
		err := s.client.Notification.Update().
			Where(notification.IDIn(bySubject[subject]...), notification.StatusEQ(notification.StatusPENDING)).
			SetStatus(notification.StatusSENT).ClearSealedToken().SetSentAt(now).SetSubject(subject).ClearLastError().
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("outbox: record sent: %w", err)
		}
	}
	if s.observer != nil {
		for _, m := range sent {
			s.observer.Notification(string(m.n.Kind), "sent")
		}
	}
	return nil
}

// record stores the outcome of a failed delivery of n: a retry, or FAILED (token erased).
func (s *Sender) record(ctx context.Context, n *ent.Notification, sendErr error) error {
	now := s.now()
	upd := s.client.Notification.Update().
		Where(notification.ID(n.ID), notification.StatusEQ(notification.StatusPENDING))
	var outcome string
	switch {
	case IsPermanent(sendErr) || n.Attempts >= s.cfg.MaxAttempts:
		outcome = "failed"
		upd.SetStatus(notification.StatusFAILED).ClearSealedToken().SetLastError(truncate(sendErr.Error(), 1000))
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
