package registration

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
	"launchgraph/internal/shed"
)

// Group commit across launches. A launch's registrations are decided under its row lock,
// and each transaction holds that lock through its commit's flush to disk: alone, one
// launch registers at most one transaction per flush. And every transaction costs the
// same few statements and one flush however many registrations it carries. So requests
// wait in a queue per launch, and a batch takes the pending requests of several launches
// at once (at most maxBatch in all, the launches in the order their requests arrived):
// one transaction locks all their counters in one statement (in id order, so that the
// batches of two servers never deadlock), decides each launch with DecideBatch, writes
// everything in one statement per table and commits once, each request still getting its
// own verdict, token and error.
//
// At most workers batches run at once (one by default), and a launch is in at most one
// running batch: the requests of a launch that arrive while its batch commits wait for it
// and go together in the next. A batch that finds fewer than max requests pending waits
// for more until gather (1 ms by default) has passed since it began — overlapping its
// wait for a connection and BEGIN — or max are pending: concurrent requests then coalesce
// into fewer transactions. Across replicas the row locks still order the batches of a
// launch.

// batchTimeout bounds one batch's transaction (it runs for many callers, none of whose
// contexts it can use).
const batchTimeout = 30 * time.Second

// queueFactor bounds the requests waiting for a batch, across launches, to this many
// batches' worth: past it a registration the server's shedder admitted is refused at once
// with UNAVAILABLE (retry in a second) rather than wait longer than a few batches take. A
// request that waits holds no database connection, so it gives back its place among the
// operations the server runs at once (shed.Release): this queue is its bound instead.
// Callers of the service without a shedder (tests, tools) are not bounded here.
const queueFactor = 4

// errQueueFull refuses a registration when queueFactor batches are already waiting.
func errQueueFull() error {
	return &apperr.Error{Code: apperr.Unavailable,
		Message: "registrations are queued to capacity: retry shortly", RetryAfter: time.Second}
}

// outcome is what a request gets from its batch.
type outcome struct {
	registrant *ent.Registrant
	token      string
	// replayOf is the registrant stored under the request's idempotency key.
	replayOf int
	err      error
}

// Ticket states.
const (
	queued int32 = iota
	taken
	abandoned
)

// ticket is a request's place in a batch.
type ticket struct {
	state atomic.Int32
	done  chan outcome
}

// batcher queues requests per launch and runs at most workers batches at a time, each
// over launches no other running batch holds.
type batcher struct {
	max, workers int
	// gather is how long a batch waits, from its start, for more requests before it
	// takes them while fewer than max are pending (0: it takes them at once).
	gather time.Duration
	// run takes a batch (take returns it; it is called once a connection is held, so
	// that requests arriving while the batch waited for one join it) and returns the
	// requests it took with their outcomes. It calls take exactly once.
	run func(take func() []*request) ([]*request, []outcome)

	mu sync.Mutex
	// queues holds the launches with requests pending or in a running batch.
	queues map[int]*launchQueue
	// ready are the launches with requests pending and no running batch, oldest first.
	ready []*launchQueue
	// running counts the workers; starting tells that one of them has not yet taken
	// its batch (it will take every ready launch: no other needs to start meanwhile).
	running  int
	starting bool
	// gathering tells that a worker waits for more requests; full wakes it when max are
	// pending.
	gathering bool
	full      chan struct{}
}

type launchQueue struct {
	id      int
	pending []*request
	// busy: in a running batch; listed: in ready.
	busy, listed bool
}

func newBatcher(maxBatch, workers int, gather time.Duration, run func(take func() []*request) ([]*request, []outcome)) *batcher {
	return &batcher{max: maxBatch, workers: max(1, workers), gather: gather, run: run,
		queues: map[int]*launchQueue{}, full: make(chan struct{}, 1)}
}

// submit queues req and waits for its outcome. A caller that gives up while its request is
// still queued withdraws it; once its batch has taken it, the caller waits for the batch
// (bounded by batchTimeout) and gets the real outcome.
func (b *batcher) submit(ctx context.Context, req *request) outcome {
	req.done = make(chan outcome, 1)
	b.mu.Lock()
	if shed.Admitted(ctx) && b.queuedLocked() >= queueFactor*b.max {
		b.mu.Unlock()
		return outcome{err: errQueueFull()}
	}
	q := b.queues[req.n.LaunchID]
	if q == nil {
		q = &launchQueue{id: req.n.LaunchID}
		b.queues[q.id] = q
	}
	q.pending = append(q.pending, req)
	b.list(q)
	b.startLocked()
	if b.gathering && b.pendingLocked() >= b.max {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
	b.mu.Unlock()
	shed.Release(ctx)
	select {
	case out := <-req.done:
		return out
	case <-ctx.Done():
		if req.state.CompareAndSwap(queued, abandoned) {
			return outcome{err: ctx.Err()}
		}
		return <-req.done
	}
}

// list makes q ready when it has requests pending and no running batch.
func (b *batcher) list(q *launchQueue) {
	if !q.busy && !q.listed && len(q.pending) > 0 {
		q.listed = true
		b.ready = append(b.ready, q)
	}
}

// startLocked starts a worker when a launch is ready, none is starting and fewer than
// workers run.
func (b *batcher) startLocked() {
	if len(b.ready) > 0 && !b.starting && b.running < b.workers {
		b.running++
		b.starting = true
		go b.work()
	}
}

// work runs batches until no launch is ready (or another worker is about to take them).
func (b *batcher) work() {
	for {
		var held []*launchQueue
		took := false
		start := time.Now()
		reqs, outs := b.run(func() []*request {
			took = true
			var batch []*request
			batch, held = b.take(start)
			return batch
		})
		for i, r := range reqs {
			r.done <- outs[i]
		}
		b.mu.Lock()
		if !took {
			b.starting = false // cannot happen (run calls take); do not wedge the batcher
		}
		for _, q := range held {
			q.busy = false
			if len(q.pending) == 0 {
				delete(b.queues, q.id)
			}
			b.list(q)
		}
		if len(b.ready) == 0 || b.starting {
			b.running--
			b.mu.Unlock()
			return
		}
		b.starting = true
		b.mu.Unlock()
	}
}

// take removes up to max requests still wanted from the ready launches, oldest first,
// and returns them with the launches they came from, which stay busy until the batch ends.
// While fewer than max are pending it first waits for more, until gather has passed since
// start (when the batch began: it overlaps the wait for a connection and BEGIN).
func (b *batcher) take(start time.Time) ([]*request, []*launchQueue) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gatherLocked(start)
	b.starting = false
	var batch []*request
	var held []*launchQueue
	for len(b.ready) > 0 && len(batch) < b.max {
		q := b.ready[0]
		b.ready[0] = nil
		b.ready = b.ready[1:]
		q.listed, q.busy = false, true
		held = append(held, q)
		for len(q.pending) > 0 && len(batch) < b.max {
			r := q.pending[0]
			q.pending[0] = nil
			q.pending = q.pending[1:]
			if r.state.CompareAndSwap(queued, taken) {
				batch = append(batch, r)
			}
		}
	}
	b.startLocked() // launches left over: another batch may take them meanwhile
	return batch, held
}

// gatherLocked waits, with b.mu held on entry and on return, until max requests are
// pending or gather has passed since start.
func (b *batcher) gatherLocked(start time.Time) {
	wait := b.gather - time.Since(start)
	if wait <= 0 || b.pendingLocked() >= b.max {
		return
	}
	select { // a signal left by an earlier gather
	case <-b.full:
	default:
	}
	b.gathering = true
	b.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-t.C:
	case <-b.full:
		t.Stop()
	}
	b.mu.Lock()
	b.gathering = false
}

// queuedLocked counts the requests waiting for a batch, of every launch (withdrawn ones too).
func (b *batcher) queuedLocked() int {
	n := 0
	for _, q := range b.queues {
		n += len(q.pending)
	}
	return n
}

// pendingLocked counts the requests pending in the ready launches (withdrawn ones too).
func (b *batcher) pendingLocked() int {
	n := 0
	for _, q := range b.ready {
		n += len(q.pending)
	}
	return n
}

// commitBatch registers the requests take returns, of any launches, in one transaction
// and returns them with their outcomes. When the batch fails (on a unique index: an
// idempotency key raced by a registration in another batch, or an address written around
// the service), each request runs again alone, so that whatever failed fails alone. When
// the transaction could not begin, the requests are taken and fail with its error.
func (s *Service) commitBatch(take func() []*request) ([]*request, []outcome) {
	ctx, cancel := context.WithTimeout(privacy.DecisionContext(context.Background(), privacy.Allow), batchTimeout)
	defer cancel()
	took := false
	reqs, outs, err := s.decideAndWriteFrom(ctx, func() []*request { took = true; return take() })
	if !took {
		if err == nil {
			err = errors.New("registration: batch did not run")
		}
		reqs = take()
		return reqs, failAll(reqs, err)
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	if s.observer != nil {
		s.observer.RegistrationBatch(len(reqs))
	}
	switch {
	case err == nil:
		return reqs, s.committed(outs)
	case len(reqs) == 1:
		return reqs, []outcome{s.afterDuplicate(ctx, reqs[0], err)}
	case apperr.CodeOf(err) == apperr.Unavailable || ctx.Err() != nil:
		return reqs, failAll(reqs, err)
	}
	outs = make([]outcome, len(reqs))
	for i, r := range reqs {
		one, err := s.decideAndWrite(ctx, []*request{r})
		if err != nil {
			outs[i] = s.afterDuplicate(ctx, r, err)
			continue
		}
		outs[i] = s.committed(one)[0]
	}
	return reqs, outs
}

// committed returns the outcomes of a committed batch, or, when the afterCommit hook
// plays a crash, its error for every request: the registrations stand, the replies are lost.
func (s *Service) committed(outs []outcome) []outcome {
	if s.afterCommit == nil {
		return outs
	}
	if err := s.afterCommit(len(outs)); err != nil {
		return failAll(make([]*request, len(outs)), err)
	}
	return outs
}
