// Package registration holds the rules of registering for a launch — who gets a seat, who
// waits, who is promoted — as pure functions (Decide, DecideBatch, PlanWaitlist, Normalize,
// ValidateCapacity, CheckApprove), and the Service that applies them exactly under
// concurrency and at ticket-drop speed.
//
// Every change to a launch's registrants runs in one transaction that first locks the
// launch and its seat counters and reads them in one statement (lockSeats: SELECT … FOR NO
// KEY UPDATE on PostgreSQL; SQLite serialises writers itself since the store begins
// transactions IMMEDIATE). The counters (ent SeatCount) hold the live registrants by
// status, so what a decision needs is one row however many registrants the launch has,
// and every change writes them back in its transaction. The unique index (launch_id,
// email_key) WHERE status <> 'CANCELLED' is the backstop of one live registration per
// address.
//
// register is group-committed across launches (batch.go): the registrations that arrive
// while earlier batches commit are decided together in one transaction — the launches
// locked in id order in one statement, one flush — each still getting its own answer,
// token and error, each launch its own decision. Everything that can happen before the
// lock (validation, tokens, hashes, sealing) happens before it.
//
// Files by topic: register.go (register and idempotency), batch.go (group commit),
// seats.go (counters, Seats, repair), waitlist.go (promotion and capacity), moderate.go
// (cancel and admin decisions), notify.go (the outbox's side), decide.go (the rules).
package registration

import (
	"context"
	"strconv"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/txn"
)

// Result is what register returns (GraphQL Registration): the registrant and the manage
// token, which is shown only here and stored only hashed.
type Result struct {
	Registrant  *ent.Registrant
	ManageToken string
}

// Seats are a launch's seat counts (GraphQL Seats); they are not personal data.
type Seats struct {
	// LaunchID is the launch counted.
	LaunchID int
	// Capacity is nil when the launch has no limit.
	Capacity   *int
	Confirmed  int
	Pending    int
	Waitlisted int
	// Remaining is nil when the launch has no limit; never negative.
	Remaining *int
}

// CacheID is the seats' stable identity for client caches: "Seats:" and the launch's id,
// which no Node id takes.
func (s Seats) CacheID() string { return "Seats:" + strconv.Itoa(s.LaunchID) }

// Promotion is a waitlisted registrant given a seat.
type Promotion struct {
	RegistrantID int
	// Status is CONFIRMED, or PENDING when the launch requires approval.
	Status registrant.Status
}

// Observer counts register outcomes (metrics.Metrics): outcome is confirmed, waitlisted,
// pending or rejected, reason the code of the rule that rejected ("" otherwise); and the
// size of each group commit.
type Observer interface {
	Registration(outcome, reason string)
	RegistrationBatch(size int)
}

// Service registers people for launches and moderates registrations.
type Service struct {
	client *ent.Client
	now    func() time.Time
	policy txn.Policy
	// notifier, when set, is told of every registrant state change in its transaction.
	notifier Notifier
	observer Observer
	batches  *batcher
	// maxBatch bounds the registrations decided in one transaction, batchWorkers the
	// batches running at once; batchGather is how long a batch waits for more requests.
	maxBatch, batchWorkers int
	batchGather            time.Duration
	// afterCommit, when set, runs after a batch commits and before its replies are
	// delivered (tests: an error plays a crash in between).
	afterCommit func(committed int) error
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithObserver makes the service count register outcomes with o.
func WithObserver(o Observer) Option { return func(s *Service) { s.observer = o } }

// WithMaxBatch bounds how many registrations, of one launch or several, are decided and
// committed in one transaction (64 by default; 1 turns group commit off).
func WithMaxBatch(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxBatch = n
		}
	}
}

// WithBatchWorkers bounds how many group commits run at once, each over launches the
// others do not hold (DefaultBatchWorkers by default).
func WithBatchWorkers(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.batchWorkers = n
		}
	}
}

// WithBatchGather makes a group commit wait up to d from its start for more requests
// while fewer than the maximum are queued (DefaultBatchGather by default; 0 takes them at
// once): concurrent requests then coalesce into fewer, bigger batches.
func WithBatchGather(d time.Duration) Option {
	return func(s *Service) {
		if d >= 0 {
			s.batchGather = d
		}
	}
}

// WithAfterCommit runs fn after each group commit of registrations, before the replies go
// out; an error from fn replaces every reply of the batch, as a crash between the commit
// and the replies would (tests).
func WithAfterCommit(fn func(committed int) error) Option {
	return func(s *Service) { s.afterCommit = fn }
}

// Defaults of the group commit: registrations per transaction, transactions at once, and
// how long a batch waits for more requests.
const (
	DefaultMaxBatch     = 64
	DefaultBatchWorkers = 1
	DefaultBatchGather  = time.Millisecond
)

// NewService returns a Service over client (not a transaction's client: the service opens
// its own transactions when the context carries none).
func NewService(client *ent.Client, opts ...Option) *Service {
	s := &Service{client: client, now: time.Now, maxBatch: DefaultMaxBatch, batchWorkers: DefaultBatchWorkers,
		batchGather: DefaultBatchGather, policy: txn.Policy{Retryable: retryable}}
	for _, o := range opts {
		o(s)
	}
	s.batches = newBatcher(s.maxBatch, s.batchWorkers, s.batchGather, s.commitBatch)
	return s
}

// clientFrom returns the transaction's client when ctx carries one (a mutation), so that
// reads see its writes and do not take a second pooled connection.
func (s *Service) clientFrom(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return s.client
}

// run runs fn in a transaction (txn.Run with the service's retries).
func (s *Service) run(ctx context.Context, fn txn.Func) error {
	return txn.Run(ctx, s.client, s.policy, fn)
}
