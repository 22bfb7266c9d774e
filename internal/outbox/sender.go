package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
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
	// Gather is the shortest time from the start of a round that claimed less than a full
	// batch to the next one (20ms; negative: none), so that under load a round takes what
	// came meanwhile.
	Gather time.Duration
	// KeepAlive is how long the SMTP connection stays open after its last message (30s).
	KeepAlive time.Duration
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
	if c.Gather == 0 {
		c.Gather = 20 * time.Millisecond
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 30 * time.Second
	}
}

// Sender renders and delivers the outbox. On PostgreSQL several senders (replicas) may
// run: each claims due notifications in one statement (SELECT … FOR UPDATE SKIP LOCKED
// and a lease: attempts+1, next_attempt_at = now+Lease), renders and sends them outside
// any transaction on an SMTP connection it keeps between rounds, then records every
// outcome of the round in one statement. On SQLite one sender runs (its writers are
// serialised anyway) and goes through ent.
type Sender struct {
	db        *store.DB
	outbox    *Outbox
	transport Transport
	cfg       SenderConfig
	observer  Observer
	logger    *slog.Logger
	now       func() time.Time

	// Used by the goroutine that runs the rounds only.
	sess     Session   // open between rounds, nil when closed
	lastSent time.Time // when sess last sent
	launches map[int]*ent.Launch
	cache    *renderCache
}

// NewSender returns a Sender of ob's notifications in db, woken early by ob's nudges;
// observer (may be nil) counts outcomes.
func NewSender(db *store.DB, ob *Outbox, t Transport, cfg SenderConfig, observer Observer, logger *slog.Logger) *Sender {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{db: db, outbox: ob, transport: t, cfg: cfg, observer: observer,
		logger: logger, now: time.Now, launches: map[int]*ent.Launch{}, cache: newRenderCache()}
}

// Run delivers until ctx ends. A round that claims less than a full batch is followed by
// a pause of at least Gather from its start, whatever the nudges, so that under load the
// rounds take bigger batches (a round's statements and SMTP connection are shared by its
// batch) for at most Gather more latency.
func (s *Sender) Run(ctx context.Context) {
	defer s.Close()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.outbox.Nudges():
		}
		var started time.Time
		for ctx.Err() == nil {
			started = time.Now()
			n, err := s.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				s.logger.Warn("outbox: delivery round failed", "err", err)
			}
			if err != nil || n < s.cfg.Batch {
				break
			}
		}
		if d := s.cfg.Gather - time.Since(started); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
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

// Close closes the SMTP connection kept between rounds, if any. Run closes it when it
// returns; a caller of RunOnce calls Close when done.
func (s *Sender) Close() {
	if s.sess != nil {
		_ = s.sess.Close()
		s.sess = nil
	}
}

// RunOnce claims one batch of due notifications, renders and delivers it, and returns how
// many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	batch, err := s.claim(ctx)
	if err != nil || len(batch) == 0 {
		if s.sess != nil && time.Since(s.lastSent) > s.cfg.KeepAlive {
			s.Close()
		}
		return 0, err
	}
	letters, err := s.letters(ctx, batch)
	if err != nil {
		return len(batch), err
	}
	outs := s.deliver(ctx, batch, letters)
	// Record with a context that outlives a shutdown: the attempts were made.
	return len(batch), s.record(context.WithoutCancel(ctx), outs)
}

// deliver sends the rendered messages of a batch on the kept session (opened if need be)
// and returns every notification's outcome.
func (s *Sender) deliver(ctx context.Context, batch []claimed, letters []letter) []outcome {
	outs := make([]outcome, len(batch))
	var envs []Envelope
	var idx []int
	for i, c := range batch {
		outs[i] = outcome{c: c, subject: letters[i].msg.Subject}
		if letters[i].err != nil {
			outs[i].err = &PermanentError{Err: letters[i].err}
			continue
		}
		envs = append(envs, Envelope{ID: c.n.ID, From: envelopeAddr(s.cfg.From), To: c.n.Recipient, MIME: letters[i].msg.MIME})
		idx = append(idx, i)
	}
	if len(envs) == 0 {
		return outs
	}
	if s.sess == nil {
		sess, err := s.transport.Open(ctx)
		if err != nil {
			for _, i := range idx {
				outs[i].err = err
			}
			return outs
		}
		s.sess = sess
	}
	for k, err := range s.sess.Send(ctx, envs) {
		outs[idx[k]].err = err
	}
	s.lastSent = time.Now()
	return outs
}

// letter is a claimed notification rendered, or why it cannot be.
type letter struct {
	msg Rendered
	err error
}

// letters renders a claimed batch: the launches that earlier rounds did not read as they
// are now are read in one statement, and each message is rendered from what its
// notification recorded.
func (s *Sender) letters(ctx context.Context, batch []claimed) ([]letter, error) {
	launches, err := s.launchesOf(ctx, batch)
	if err != nil {
		return nil, err
	}
	if len(s.cache.bodies) > maxCached {
		s.cache = newRenderCache()
	}
	out := make([]letter, len(batch))
	for i, c := range batch {
		out[i] = s.render(c, launches[c.launchID])
	}
	return out, nil
}

// maxCached bounds the launches and the bodies a Sender keeps between rounds.
const maxCached = 256

// launchesOf returns the launches of batch's registrants. A launch read by an earlier
// round is reused while the claim found it unchanged (same updated_at); the others are
// read in one statement.
func (s *Sender) launchesOf(ctx context.Context, batch []claimed) (map[int]*ent.Launch, error) {
	out := map[int]*ent.Launch{}
	var missing []int
	for _, c := range batch {
		if !c.found || out[c.launchID] != nil || slices.Contains(missing, c.launchID) {
			continue
		}
		if l := s.launches[c.launchID]; l != nil && !c.launchUpdated.IsZero() && l.UpdatedAt.Equal(c.launchUpdated) {
			out[c.launchID] = l
			continue
		}
		missing = append(missing, c.launchID)
	}
	if len(missing) == 0 {
		return out, nil
	}
	ls, err := s.db.Client.Launch.Query().
		Where(func(sel *entsql.Selector) { sel.Where(store.InInts(sel.Dialect(), sel.C(launch.FieldID), missing)) }).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: read launches: %w", err)
	}
	if len(s.launches)+len(ls) > maxCached {
		clear(s.launches)
	}
	for _, l := range ls {
		out[l.ID] = l
		s.launches[l.ID] = l
	}
	return out, nil
}

// render renders claimed notification c of a registrant of launch l.
func (s *Sender) render(c claimed, l *ent.Launch) letter {
	n := c.n
	if n.Attempts > s.cfg.MaxAttempts {
		// A lease that ran out as many times as a notification may be tried.
		return letter{err: errors.New("outbox: no attempts left")}
	}
	if !c.found {
		return letter{err: errors.New("outbox: the registrant is gone")}
	}
	// The registrant as the change left it.
	as := ent.Registrant{ID: *n.RegistrantID, Name: c.name, LaunchID: c.launchID, Email: n.Recipient,
		Status: registrant.Status(c.status), WaitlistPosition: c.position, Language: &n.Language}
	if n.RegistrantStatus != nil {
		as.Status = registrant.Status(*n.RegistrantStatus)
		as.WaitlistPosition = n.WaitlistPosition
	}
	notice := registration.Notice{Kind: n.Kind, Registrant: &as}
	if n.SealedToken != nil && len(*n.SealedToken) > 0 {
		token, err := s.outbox.open(*n.SealedToken)
		if err != nil {
			return letter{err: fmt.Errorf("render: %w", err)}
		}
		notice.ManageToken = token
	}
	msg, err := s.outbox.renderer.render(notice, l, s.cache)
	if err != nil {
		return letter{err: fmt.Errorf("render: %w", err)}
	}
	return letter{msg: msg}
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

// truncate cuts s to at most n bytes of valid UTF-8 without NUL, as PostgreSQL text
// takes it.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
}
