package live

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// MemberQueue is how many responses wait for one subscriber (its transport writes them
// one at a time). A subscriber further behind collapses to the latest response (a state
// stream) or ends (an event stream): a slow socket never delays the others, and its
// memory stays at most MemberQueue shared responses.
const MemberQueue = 32

// Policy says how a shared stream treats a subscriber that joins late or falls behind.
type Policy struct {
	// Replay gives a subscriber that joins a running stream the stream's latest response
	// first (a stream whose first response is the current state, such as seats).
	Replay bool
	// Collapse keeps a subscriber that falls MemberQueue responses behind on the stream
	// with only the latest response (each response is a full state); otherwise the
	// subscriber's stream ends after what it already holds (events were missed).
	Collapse bool
}

// Share is one subscription operation as the fan-out sees it.
type Share struct {
	// Key names what the operation's responses depend on: equal keys get the same bytes
	// (document, variables, language, the viewer's class).
	Key    string
	Policy Policy
	// Detach returns the context the shared execution runs with: ctx's values (operation,
	// language) without its cancellation, and with the class's viewer only.
	Detach func(ctx context.Context) context.Context
	// PerResponse, when set, prepares the context of each response (fresh loaders).
	PerResponse func(ctx context.Context) context.Context
}

// Fanout runs each distinct subscription once and hands the same response (its bytes
// marshalled once) to every subscriber of it: the cost of an event is one load and one
// execution per key, not per subscriber. A subscriber costs a queue of MemberQueue
// pointers; nothing it does (reading slowly, leaving) blocks the shared execution.
type Fanout struct {
	mu     sync.Mutex
	groups map[string]*group
}

// NewFanout returns an empty fan-out.
func NewFanout() *Fanout { return &Fanout{groups: make(map[string]*group)} }

// group is the shared execution of one key and its subscribers.
type group struct {
	f      *Fanout
	key    string
	policy Policy
	cancel context.CancelFunc

	mu      sync.Mutex
	members map[*member]struct{}
	last    *graphql.Response // the latest response (for Replay)
	ended   bool
}

// member is one subscriber's queue.
type member struct {
	ch     chan *graphql.Response
	closed bool // ch is closed (guarded by group.mu)
}

// Subscribe returns the response handler of one subscriber of s: the shared stream's
// responses from now on (after the latest one when s.Policy.Replay). next starts the
// shared execution when s.Key has none; ctx is the subscriber's.
func (f *Fanout) Subscribe(ctx context.Context, s Share, next graphql.OperationHandler) graphql.ResponseHandler {
	m := &member{ch: make(chan *graphql.Response, MemberQueue)}
	f.mu.Lock()
	g := f.groups[s.Key]
	if g == nil {
		g = &group{f: f, key: s.Key, policy: s.Policy, members: make(map[*member]struct{})}
		f.groups[s.Key] = g
		gctx, cancel := context.WithCancel(s.Detach(ctx))
		g.cancel = cancel
		g.join(m)
		f.mu.Unlock()
		go g.run(gctx, next, s.PerResponse)
	} else {
		g.join(m)
		f.mu.Unlock()
	}
	// The transport cancels ctx once the subscription ends, however it ends.
	context.AfterFunc(ctx, func() { g.leave(m) })
	return func(rctx context.Context) *graphql.Response {
		select {
		case r, ok := <-m.ch:
			if !ok {
				return nil
			}
			return r
		case <-rctx.Done():
		case <-ctx.Done():
		}
		return nil
	}
}

// Groups returns the number of shared executions running.
func (f *Fanout) Groups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.groups)
}

// join adds m (with f.mu held): it gets the latest response first when the policy
// replays.
func (g *group) join(m *member) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.members[m] = struct{}{}
	if g.policy.Replay && g.last != nil {
		m.ch <- g.last
	}
}

// leave removes m; the last member to leave ends the shared execution.
func (g *group) leave(m *member) {
	g.f.mu.Lock()
	defer g.f.mu.Unlock()
	g.mu.Lock()
	delete(g.members, m)
	empty := len(g.members) == 0 && !g.ended
	if empty {
		g.ended = true
	}
	g.mu.Unlock()
	if empty {
		if g.f.groups[g.key] == g {
			delete(g.f.groups, g.key)
		}
		g.cancel()
	}
}

// run executes the shared operation and broadcasts each response until the stream ends
// or its last member leaves; then every member's stream ends after what it holds.
func (g *group) run(ctx context.Context, next graphql.OperationHandler, per func(context.Context) context.Context) {
	defer g.end()
	h := next(ctx)
	for {
		rctx := ctx
		if per != nil {
			rctx = per(ctx)
		}
		r := h(rctx)
		if r == nil || ctx.Err() != nil {
			return
		}
		g.broadcast(detach(r))
	}
}

// detach copies what the executor reuses between responses (the data buffer).
func detach(r *graphql.Response) *graphql.Response {
	c := *r
	c.Data = slices.Clone(r.Data)
	return &c
}

// broadcast queues r for every member without blocking.
func (g *group) broadcast(r *graphql.Response) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.last = r
	for m := range g.members {
		select {
		case m.ch <- r:
			continue
		default:
		}
		if !g.policy.Collapse {
			// Events were missed: the stream ends after what it holds.
			close(m.ch)
			m.closed = true
			delete(g.members, m)
			continue
		}
		for drained := false; !drained; { // the latest state replaces what waits
			select {
			case <-m.ch:
			default:
				drained = true
			}
		}
		m.ch <- r
	}
}

// end closes every member's stream and forgets the group.
func (g *group) end() {
	g.f.mu.Lock()
	if g.f.groups[g.key] == g {
		delete(g.f.groups, g.key)
	}
	g.f.mu.Unlock()
	g.mu.Lock()
	g.ended = true
	for m := range g.members {
		if !m.closed {
			close(m.ch)
			m.closed = true
		}
	}
	g.members = nil
	g.mu.Unlock()
	g.cancel()
}
