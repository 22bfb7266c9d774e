// Package events carries change notifications between the data layer and live
// subscriptions: an ent hook publishes ids-only events after a transaction commits, and a
// Broker fans them out, in process (SQLite) or across replicas through PostgreSQL
// LISTEN/NOTIFY.
package events

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Event types: the ent type names of what changed, and Resync.
const (
	TypeLaunch     = "Launch"
	TypeSession    = "Session"
	TypeSpeaker    = "Speaker"
	TypeObjective  = "Objective"
	TypeRegistrant = "Registrant"
	// TypeResync tells a subscriber that events may have been missed (a reconnected
	// PostgreSQL listener, or its own buffer overflowed): it re-reads the current state.
	TypeResync = "resync"
)

// Changes of an entity.
const (
	Created = "CREATED"
	Updated = "UPDATED"
	Deleted = "DELETED"
)

// Event is one committed change. It holds ids and statuses only, never personal data:
// subscribers load what their viewer may see.
type Event struct {
	Type     string `json:"t"`
	LaunchID int    `json:"l,omitempty"`
	EntityID int    `json:"e,omitempty"`
	Change   string `json:"c,omitempty"`
	// PreviousStatus and Status are a registrant's statuses before and after the change.
	PreviousStatus string    `json:"p,omitempty"`
	Status         string    `json:"s,omitempty"`
	At             time.Time `json:"at"`
	// Version is a changed launch's updatedAt after the change (Unix µs), 0 when unknown
	// (bulk updates, other types): a subscriber that loads the launch later and finds
	// another version knows this state was superseded before it could be read, and that
	// the event of the other one follows.
	Version int64 `json:"v,omitempty"`
	// Revision is a changed launch's revision after the change, 0 when unknown (as
	// Version). Two writers can give a launch the same updatedAt, to the microsecond; never
	// the same revision, which is counted under the row's lock: with Version it names the
	// state.
	Revision int64 `json:"r,omitempty"`
	// Seq numbers the events a Hub delivers, in order, within this process (it is not
	// sent between replicas): subscribers of one event share what they load for it.
	Seq uint64 `json:"-"`
	// changed is the mutation's value (the entity its statement returned), for the
	// publishing process's preload functions; never sent between replicas.
	changed any
}

// ErrClosed is returned by a closed broker.
var ErrClosed = errors.New("events: broker closed")

// Publisher publishes committed changes.
type Publisher interface {
	Publish(ctx context.Context, evs ...Event) error
}

// Broker fans events out to subscribers.
type Broker interface {
	Publisher
	// Subscribe delivers the events for which filter returns true, and every Resync, on
	// the returned channel until ctx ends or the broker closes (then the channel is
	// closed). At most buffer events wait; on overflow the waiting events are replaced
	// by one Resync, so a slow subscriber never blocks the publisher.
	Subscribe(ctx context.Context, filter func(Event) bool, buffer int) (<-chan Event, error)
	// Close ends every subscription.
	Close() error
}

// Preparer is a Broker that calls prepare with each event, in order, before it delivers
// that event to any subscriber (so that what the subscribers of an event load can be
// loaded once, as soon as the event is published).
type Preparer interface {
	Prepare(prepare func(Event))
}

// Hub is the in-process Broker, and the local fan-out of the PostgreSQL one.
type Hub struct {
	preloads
	pub     sync.Mutex // serialises Publish: numbering, prepare and delivery in one order
	prepare []func(Event)
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	closed  bool
	seq     uint64 // the Seq of the last delivered event
}

type subscriber struct {
	ch     chan Event
	filter func(Event) bool
}

// NewHub returns an empty in-process broker.
func NewHub() *Hub { return &Hub{subs: make(map[*subscriber]struct{})} }

// Publish delivers evs to the matching subscribers without blocking.
func (h *Hub) Publish(_ context.Context, evs ...Event) error {
	h.pub.Lock()
	defer h.pub.Unlock()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	prepare := h.prepare
	evs = slices.Clone(evs)
	for i := range evs {
		h.seq++
		evs[i].Seq = h.seq
	}
	h.mu.Unlock()
	for _, ev := range evs {
		for _, p := range prepare {
			p(ev)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	for _, ev := range evs {
		for s := range h.subs {
			if ev.Type != TypeResync && s.filter != nil && !s.filter(ev) {
				continue
			}
			s.offer(ev)
		}
	}
	return nil
}

// offer queues ev, or on overflow replaces the queue with one Resync (numbered like ev).
// Call with h.mu held.
func (s *subscriber) offer(ev Event) {
	select {
	case s.ch <- ev:
		return
	default:
	}
	for drained := false; !drained; {
		select {
		case <-s.ch:
		default:
			drained = true
		}
	}
	s.ch <- Event{Type: TypeResync, At: time.Now(), Seq: ev.Seq}
}

// Prepare implements Preparer.
func (h *Hub) Prepare(prepare func(Event)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.prepare = append(slices.Clip(h.prepare), prepare)
}

// Subscribe implements Broker.
func (h *Hub) Subscribe(ctx context.Context, filter func(Event) bool, buffer int) (<-chan Event, error) {
	if buffer < 1 {
		buffer = 1
	}
	s := &subscriber{ch: make(chan Event, buffer), filter: filter}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.ch)
		}
	})
	return s.ch, nil
}

// Subscribers returns the number of live subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every subscription; later calls do nothing.
func (h *Hub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
	return nil
}
