package registration

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
)

// Group commit. A launch's registrations are decided under its row lock, and each
// transaction holds that lock through its commit's flush to disk: alone, one launch
// registers at most one transaction per flush. So the registrations of a launch that
// arrive while its previous batch is committing wait for it, then go together as the next
// batch: one transaction, one lock, one flush for up to maxBatch requests, each with its
// own verdict, token and error. A request arriving at an idle launch goes at once: no
// request waits longer than the batch ahead of it. Across replicas the row lock still
// orders the batches.

// batchTimeout bounds one batch's transaction (it runs for many callers, none of whose
// contexts it can use).
const batchTimeout = 30 * time.Second

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

// batcher queues requests per launch and runs one batch per launch at a time.
type batcher struct {
	max int
	// run takes a batch (take returns it; it is called once a connection is held, so
	// that requests arriving while the batch waited for one join it) and returns the
	// requests it took with their outcomes.
	run func(launchID int, take func() []*request) ([]*request, []outcome)

	mu     sync.Mutex
	queues map[int]*launchQueue
}

type launchQueue struct {
	pending []*request
}

func newBatcher(maxBatch int, run func(launchID int, take func() []*request) ([]*request, []outcome)) *batcher {
	return &batcher{max: maxBatch, run: run, queues: map[int]*launchQueue{}}
}

// submit queues req and waits for its outcome. A caller that gives up while its request is
// still queued withdraws it; once its batch has taken it, the caller waits for the batch
// (bounded by batchTimeout) and gets the real outcome.
func (b *batcher) submit(ctx context.Context, req *request) outcome {
	req.done = make(chan outcome, 1)
	id := req.n.LaunchID
	b.mu.Lock()
	q, running := b.queues[id]
	if !running {
		q = &launchQueue{}
		b.queues[id] = q
	}
	q.pending = append(q.pending, req)
	b.mu.Unlock()
	if !running {
		go b.drain(id, q)
	}
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

// drain runs the batches of launch id until its queue is empty.
func (b *batcher) drain(id int, q *launchQueue) {
	for {
		b.mu.Lock()
		if len(q.pending) == 0 {
			delete(b.queues, id)
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		reqs, outs := b.run(id, func() []*request { return b.take(q) })
		for i, r := range reqs {
			r.done <- outs[i]
		}
	}
}

// take removes up to max requests still wanted from q.
func (b *batcher) take(q *launchQueue) []*request {
	b.mu.Lock()
	defer b.mu.Unlock()
	var batch []*request
	for len(q.pending) > 0 && len(batch) < b.max {
		r := q.pending[0]
		q.pending[0] = nil
		q.pending = q.pending[1:]
		if r.state.CompareAndSwap(queued, taken) {
			batch = append(batch, r)
		}
	}
	return batch
}

// commitBatch registers the requests take returns, all for launch launchID, in one
// transaction and returns them with their outcomes. When the batch fails (on a unique
// index: an idempotency key raced by a registration of another launch, or an address
// written around the service), each request runs again alone, so that whatever failed
// fails alone.
func (s *Service) commitBatch(launchID int, take func() []*request) ([]*request, []outcome) {
	ctx, cancel := context.WithTimeout(privacy.DecisionContext(context.Background(), privacy.Allow), batchTimeout)
	defer cancel()
	reqs, outs, err := s.decideAndWriteFrom(ctx, launchID, take)
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
		one, err := s.decideAndWrite(ctx, launchID, []*request{r})
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
