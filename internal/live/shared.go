package live

import (
	"context"
	"slices"
	"sync"
	"time"

	"launchgraph/ent"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/events"
)

// sharedKeep is how many recent shared loads a Service remembers: enough for a
// subscriber that is a burst behind to still find the value of each event it reads.
const sharedKeep = 4096

// sharedTimeout bounds one shared load, which no single subscriber's context cancels.
const sharedTimeout = 30 * time.Second

// shareKey names one load: what (kind, id) as seen at a moment by a visibility class.
type shareKey struct {
	at    moment
	class string
	kind  string
	id    int
}

// call is one shared load: done closes once v and err are set.
type call struct {
	done chan struct{}
	v    any
	err  error
}

// shared runs each load once per key for every subscription of a process, and keeps the
// last sharedKeep results (oldest first out).
type shared struct {
	mu    sync.Mutex
	calls map[shareKey]*call
	order []shareKey // ring of the keys in calls, oldest at next
	next  int
}

func newShared() *shared {
	return &shared{calls: make(map[shareKey]*call, sharedKeep), order: make([]shareKey, 0, sharedKeep)}
}

// class is the visibility class of ctx's viewer for launches and the programme: what the
// privacy policies of Launch, Session, Speaker and Objective read is the role only (the
// registrant a viewer may hold opens registrant rows, never launches). A context without
// a viewer is trusted code.
func class(ctx context.Context) (string, context.Context) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		return trusted, classContext(trusted)
	}
	return string(v.Role), classContext(string(v.Role))
}

const trusted = "trusted"

// classContext is the context a class loads with: a bare viewer of that role, so that
// nothing of one viewer reaches what the others of its class receive (no viewer: trusted).
func classContext(cls string) context.Context {
	if cls == trusted {
		return context.Background()
	}
	return auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Role(cls)})
}

// watchKey counts the launch (0: every launch) subscriptions of a class.
type watchKey struct {
	class  string
	launch int
}

// watch counts ctx's subscription to launch (0: every launch) until ctx ends, so that
// prefetch loads, as each event is published, what that subscription's class will read.
func (s *Service) watch(ctx context.Context, launch int) {
	cls, _ := class(ctx)
	k := watchKey{cls, launch}
	s.wmu.Lock()
	s.watching[k]++
	s.wmu.Unlock()
	context.AfterFunc(ctx, func() {
		s.wmu.Lock()
		defer s.wmu.Unlock()
		if s.watching[k]--; s.watching[k] <= 0 {
			delete(s.watching, k)
		}
	})
}

// watchers returns the classes watching launch (or every launch).
func (s *Service) watchers(launch int) []string {
	var classes []string
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for k := range s.watching {
		if (k.launch == launch || k.launch == 0) && !slices.Contains(classes, k.class) {
			classes = append(classes, k.class)
		}
	}
	return classes
}

// prefetch loads, once per class that watches it, the launch an event changed, before the
// event reaches the subscribers (events.Preparer): they then all find it loaded, as it was
// when the event arrived, however late each of them runs.
func (s *Service) prefetch(ev events.Event) {
	if ev.LaunchID == 0 || ev.Type == events.TypeRegistrant || ev.Type == events.TypeResync {
		return
	}
	for _, cls := range s.watchers(ev.LaunchID) {
		_, _ = s.launchAfter(classContext(cls), ev, ev.LaunchID)
	}
}

// preload keeps, in the process that committed a launch's own change, the launch as the
// change left it (events.Preloader: the row its update statement returned inside the
// transaction, which no later change can have replaced) for each watching class, as that
// class may see it. This process's subscribers of that version then read exactly this
// state, however many writers follow; no query runs while the row is locked.
func (s *Service) preload(ev events.Event, changed ent.Value, inTx bool) {
	at := after(ev, "launch", ev.LaunchID)
	l, ok := changed.(*ent.Launch)
	if at.version == 0 || !ok || l.ID != ev.LaunchID {
		return
	}
	classes := s.watchers(ev.LaunchID)
	if len(classes) == 0 {
		return
	}
	snap := *l                     // the mutation keeps its own
	snap.Edges = ent.LaunchEdges{} // edges load afresh
	if inTx {
		snap.Unwrap() // edges load after the transaction
	}
	for _, cls := range classes {
		var v *ent.Launch
		if authz.SeesLaunch(classContext(cls), &snap) {
			v = &snap
		}
		s.shared.put(shareKey{at: at, class: cls, kind: "launch", id: ev.LaunchID}, v)
	}
}

// put records v as the result of key, unless key is loading or loaded already.
func (c *shared) put(key shareKey, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.calls[key]; ok {
		return
	}
	cl := &call{done: make(chan struct{}), v: v}
	close(cl.done)
	c.remember(key, cl)
}

// do returns the result of load for key, running it once: the first caller loads, with a
// context of its class that outlives it, and the others wait for that result (or their
// own ctx). A failed load is forgotten so that the next caller retries.
func (c *shared) do(ctx context.Context, key shareKey, lctx context.Context,
	load func(ctx context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if cl, ok := c.calls[key]; ok {
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.v, cl.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	cl := &call{done: make(chan struct{})}
	c.remember(key, cl)
	c.mu.Unlock()

	lctx, cancel := context.WithTimeout(lctx, sharedTimeout)
	cl.v, cl.err = load(lctx)
	cancel()
	close(cl.done)
	if cl.err != nil {
		c.mu.Lock()
		if c.calls[key] == cl {
			delete(c.calls, key)
		}
		c.mu.Unlock()
	}
	return cl.v, cl.err
}

// remember adds cl as key's call, forgetting the oldest beyond sharedKeep (with c.mu held).
func (c *shared) remember(key shareKey, cl *call) {
	c.calls[key] = cl
	if len(c.order) < sharedKeep {
		c.order = append(c.order, key)
		return
	}
	if old := c.order[c.next]; c.calls[old] != nil && c.calls[old] != cl {
		delete(c.calls, old)
	}
	c.order[c.next] = key
	c.next = (c.next + 1) % sharedKeep
}
