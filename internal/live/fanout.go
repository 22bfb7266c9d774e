package live

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// Backlog is how many of a shared stream's latest responses it keeps for its slower
// subscribers (each subscriber's transport writes them one at a time). A subscriber
// further behind collapses to the latest response (a state stream) or ends (an event
// stream): a slow socket never delays the others, and what it holds back is at most
// Backlog responses (BacklogBytes of data) shared with every other subscriber of the
// stream.
const Backlog = 256

// BacklogBytes bounds the data of the responses a shared stream keeps beyond the latest:
// large responses are kept fewer.
const BacklogBytes = 1 << 20

// Policy says how a shared stream treats a subscriber that joins late or falls behind.
type Policy struct {
	// Replay gives a subscriber that joins a running stream the stream's latest response
	// first (a stream whose first response is the current state, such as seats).
	Replay bool
	// Collapse keeps a subscriber that falls more than Backlog responses behind on the
	// stream with only the latest response (each response is a full state); otherwise the
	// subscriber's stream ends (events were missed: it re-reads and subscribes again).
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
// execution per key, not per subscriber. Responses wait in one ring per key; a subscriber
// costs a cursor into it. Nothing a subscriber does (reading slowly, leaving) blocks the
// shared execution.
type Fanout struct {
	mu     sync.Mutex
	groups map[string]*group
}

// NewFanout returns an empty fan-out.
func NewFanout() *Fanout { return &Fanout{groups: make(map[string]*group)} }

// group is the shared execution of one key, its latest responses and its subscribers.
type group struct {
	f      *Fanout
	key    string
	policy Policy
	cancel context.CancelFunc

	mu      sync.Mutex
	ring    [Backlog]*graphql.Response
	head    uint64        // responses broadcast so far; the latest is ring[(head-1)%Backlog]
	tail    uint64        // the oldest response kept
	bytes   int           // data kept in ring[tail:head]
	wake    chan struct{} // closed at the next broadcast or at the end
	members int
	ended   bool
}

// Subscribe returns the response handler of one subscriber of s: the shared stream's
// responses from now on (from the latest one when s.Policy.Replay). next starts the
// shared execution when s.Key has none; ctx is the subscriber's.
func (f *Fanout) Subscribe(ctx context.Context, s Share, next graphql.OperationHandler) graphql.ResponseHandler {
	f.mu.Lock()
	g := f.groups[s.Key]
	var gctx context.Context
	if g == nil {
		g = &group{f: f, key: s.Key, policy: s.Policy, wake: make(chan struct{})}
		gctx, g.cancel = context.WithCancel(s.Detach(ctx))
		f.groups[s.Key] = g
	}
	g.mu.Lock()
	g.members++
	cursor := g.head // the next response this subscriber reads
	if s.Policy.Replay && cursor > 0 {
		cursor--
	}
	g.mu.Unlock()
	f.mu.Unlock()
	if gctx != nil {
		// next runs here, in the subscriber's goroutine (the executor expects that of
		// an operation's handler), then the shared stream runs on its own.
		go g.run(gctx, next(gctx), s.PerResponse)
	}
	// The transport cancels ctx once the subscription ends, however it ends.
	context.AfterFunc(ctx, g.leave)
	return func(rctx context.Context) *graphql.Response {
		for {
			r, wake, ok := g.read(&cursor)
			if r != nil || !ok {
				return r
			}
			select {
			case <-wake:
			case <-rctx.Done():
				return nil
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// Groups returns the number of shared executions running.
func (f *Fanout) Groups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.groups)
}

// read returns the response at *cursor and advances it; with none yet, the channel that
// closes when one comes. ok is false once the subscriber's stream is over: the shared one
// ended and it read everything, or (an event stream) it fell more than Backlog behind.
func (g *group) read(cursor *uint64) (r *graphql.Response, wake <-chan struct{}, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if *cursor < g.tail { // dropped while it was behind
		if !g.policy.Collapse {
			return nil, nil, false // events were missed: the stream ends
		}
		*cursor = g.head - 1 // the latest state replaces what it missed
	}
	if *cursor < g.head {
		r = g.ring[*cursor%Backlog]
		*cursor++
		return r, nil, true
	}
	return nil, g.wake, !g.ended
}

// leave counts a subscriber out; the last one to leave ends the shared execution.
func (g *group) leave() {
	g.f.mu.Lock()
	defer g.f.mu.Unlock()
	g.mu.Lock()
	g.members--
	last := g.members == 0 && !g.ended
	g.mu.Unlock()
	if last {
		if g.f.groups[g.key] == g {
			delete(g.f.groups, g.key)
		}
		g.cancel()
	}
}

// run reads the shared operation's responses and broadcasts each until the stream ends
// or its last subscriber leaves; then every subscriber's stream ends after what it holds.
func (g *group) run(ctx context.Context, h graphql.ResponseHandler, per func(context.Context) context.Context) {
	defer g.end()
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

// broadcast appends r to the ring and wakes the waiting subscribers.
func (g *group) broadcast(r *graphql.Response) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.head-g.tail == Backlog {
		g.drop()
	}
	g.ring[g.head%Backlog] = r
	g.head++
	g.bytes += len(r.Data)
	for g.bytes > BacklogBytes && g.tail < g.head-1 {
		g.drop()
	}
	close(g.wake)
	g.wake = make(chan struct{})
}

// drop forgets the oldest response kept.
func (g *group) drop() {
	g.bytes -= len(g.ring[g.tail%Backlog].Data)
	g.ring[g.tail%Backlog] = nil
	g.tail++
}

// end lets every subscriber's stream end after what it holds, and forgets the group.
func (g *group) end() {
	g.f.mu.Lock()
	if g.f.groups[g.key] == g {
		delete(g.f.groups, g.key)
	}
	g.f.mu.Unlock()
	g.mu.Lock()
	g.ended = true
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
	g.cancel()
}
