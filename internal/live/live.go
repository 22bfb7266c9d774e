// Package live runs GraphQL subscriptions: it listens to committed changes (internal/events)
// and loads, with the subscriber's own viewer, what that subscriber may see.
package live

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/authz"
	"launchgraph/internal/events"
	"launchgraph/internal/registration"
)

// buffer is how many events wait per subscription, before it reads them, until they
// coalesce into a resync.
const buffer = 256

// pending is how many loaded values wait per subscription for its client until they
// coalesce into a resync.
const pending = 1024

// ProgrammeChange is a change to a launch's programme (GraphQL ProgrammeChange).
type ProgrammeChange struct {
	Launch *ent.Launch
	// Session is the changed session; nil for a deleted one, or when a speaker or an
	// objective of the launch changed.
	Session *ent.Session
	Change  string
}

// RegistrationEvent is a registrant's change of status (GraphQL RegistrationEvent).
type RegistrationEvent struct {
	RegistrantID int
	// Registrant is nil once deleted.
	Registrant     *ent.Registrant
	PreviousStatus *registrant.Status
	Status         *registrant.Status
	At             time.Time
}

// Service serves the subscriptions of one process. What an event makes its subscribers
// load (a launch, a session, seats) is loaded once per event and visibility class, and
// shared by the subscriptions of that class; registrants are loaded per viewer.
type Service struct {
	client *ent.Client
	broker events.Broker
	seats  *registration.Service
	shared *shared

	wmu      sync.Mutex
	watching map[watchKey]int
}

// NewService returns the subscriptions over client and broker.
func NewService(client *ent.Client, broker events.Broker, seats *registration.Service) *Service {
	s := &Service{client: client, broker: broker, seats: seats, shared: newShared(),
		watching: make(map[watchKey]int)}
	if p, ok := broker.(events.Preparer); ok {
		p.Prepare(s.prefetch)
	}
	if p, ok := broker.(events.Preloader); ok {
		p.Preload(s.preload)
	}
	return s
}

// moment names the state a load reads: right after event seq of this process, or the
// version of a launch (its updatedAt and revision, events.Event.Version and Revision);
// zero, now.
type moment struct {
	seq      uint64
	version  int64
	revision int64
}

// after is the moment of event e for what (kind, id) it changed: the launch's version when
// e carries it, so that the publishing process and every receiving one share the load.
func after(e events.Event, kind string, id int) moment {
	if kind == "launch" && e.Type == events.TypeLaunch && e.Version != 0 && e.EntityID == id {
		return moment{version: e.Version, revision: e.Revision}
	}
	return moment{seq: e.Seq}
}

// load returns load's result as ctx's viewer sees it at moment at: once for all the
// subscribers of the viewer's class (the zero moment loads alone).
func load[T any](ctx context.Context, s *Service, at moment, kind string, id int,
	load func(ctx context.Context) (T, error)) (T, error) {
	if at == (moment{}) {
		return load(ctx)
	}
	cls, lctx := class(ctx)
	v, err := s.shared.do(ctx, shareKey{at: at, class: cls, kind: kind, id: id}, lctx,
		func(ctx context.Context) (any, error) { return load(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// launchAfter returns launch id as ctx's viewer sees it after event e: nil when hidden
// or deleted.
func (s *Service) launchAfter(ctx context.Context, e events.Event, id int) (*ent.Launch, error) {
	return load(ctx, s, after(e, "launch", id), "launch", id, func(ctx context.Context) (*ent.Launch, error) {
		l, err := s.client.Launch.Get(ctx, id)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("live: load launch: %w", err)
		}
		return l, nil
	})
}

// lastSeq is the number of the last of evs (0 for none).
func lastSeq(evs []events.Event) uint64 {
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

// launchAs loads launch id as ctx's viewer sees it: NOT_FOUND when it may not.
func (s *Service) launchAs(ctx context.Context, id int) (*ent.Launch, error) {
	l, err := s.client.Launch.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "no launch with this id")
	}
	if err != nil {
		return nil, fmt.Errorf("live: load launch: %w", err)
	}
	return l, nil
}

// stream runs load after each batch of matching events (and once first when initial),
// and sends what it returns, in order, unless (when initial) it equals the previous value.
// Events are read, and loaded, as they arrive, however slowly the client reads: what it
// has not taken yet waits here as loaded values (at most pending of them; beyond, they
// coalesce into one resync load). A resync, or a burst of events read at once, is one
// load. It ends when ctx ends or the broker closes.
func stream[T any](ctx context.Context, s *Service, filter func(events.Event) bool, initial bool,
	load func(ctx context.Context, evs []events.Event) ([]T, error)) (<-chan T, error) {
	evc, err := s.broker.Subscribe(ctx, filter, buffer)
	if err != nil {
		return nil, fmt.Errorf("live: subscribe: %w", err)
	}
	st := &streamer[T]{evc: evc, load: load, initial: initial}
	if initial {
		first, err := load(ctx, nil)
		if err != nil {
			return nil, err
		}
		st.add(first)
	}
	out := make(chan T, 1)
	go func() {
		defer close(out)
		st.run(ctx, out)
	}()
	return out, nil
}

// streamer is one stream's state: the loaded values the client has not taken yet.
type streamer[T any] struct {
	evc     <-chan events.Event
	load    func(ctx context.Context, evs []events.Event) ([]T, error)
	initial bool // skip a value equal to the previous one
	queue   []T
	last    *T // the last value queued
}

// add queues vs (when initial, without repeating the previous value).
func (st *streamer[T]) add(vs []T) {
	for _, v := range vs {
		if st.initial && st.last != nil && reflect.DeepEqual(*st.last, v) {
			continue
		}
		st.queue = append(st.queue, v)
		st.last = &v
	}
}

// run sends queued values to out and loads after each batch of events, until ctx ends, the
// broker closes or a load says the stream is over.
func (st *streamer[T]) run(ctx context.Context, out chan<- T) {
	for {
		var sendc chan<- T
		var next T
		if len(st.queue) > 0 {
			sendc, next = out, st.queue[0]
		}
		var batch []events.Event
		select {
		case <-ctx.Done():
			return
		case sendc <- next:
			var zero T
			st.queue[0] = zero
			st.queue = st.queue[1:]
			continue
		case ev, ok := <-st.evc:
			if !ok {
				return
			}
			batch = st.coalesce(append(batch, ev))
		}
		if !st.loadAfter(ctx, batch) {
			return
		}
	}
}

// coalesce appends to batch the events already waiting.
func (st *streamer[T]) coalesce(batch []events.Event) []events.Event {
	for {
		select {
		case ev, ok := <-st.evc:
			if !ok {
				return batch
			}
			batch = append(batch, ev)
		default:
			return batch
		}
	}
}

// loadAfter loads after batch and queues the values; when the client is too far behind,
// what waits becomes the current state (one resync load). It reports whether the stream
// goes on: a failed load is retried by the next event, unless ctx ended or it was the end.
func (st *streamer[T]) loadAfter(ctx context.Context, batch []events.Event) bool {
	vs, err := st.load(ctx, batch)
	if err != nil {
		return ctx.Err() == nil && !errors.Is(err, errEnd)
	}
	st.add(vs)
	if len(st.queue) <= pending {
		return true
	}
	resync := events.Event{Type: events.TypeResync, At: time.Now(), Seq: lastSeq(batch)}
	if vs, err = st.load(ctx, []events.Event{resync}); err != nil {
		return ctx.Err() == nil && !errors.Is(err, errEnd)
	}
	st.queue, st.last = nil, nil
	st.add(vs)
	return true
}

// superseded reports whether l, loaded for launch event e, is another version than the
// one e made: a change committed meanwhile, whose own event shows it (so that no state is
// sent twice, and the last one always is). Versions are updatedAt, set before the row is
// locked, so that they order nothing: only equality counts, to the microsecond (the
// schema's clock gives updated_at in whole microseconds, so the mutation's value and the
// stored row are equal exactly; a tolerance would take a concurrent writer's version, a
// microsecond apart, for this one), and the revision with it, since two writers can set
// the same microsecond (TestLaunchStatesOfOneMicrosecond).
func superseded(e events.Event, l *ent.Launch) bool {
	return e.Type == events.TypeLaunch && e.Version != 0 && !sameVersion(e, l)
}

// sameVersion reports whether l is the state event e made: its updatedAt in Unix µs and,
// when e carries it, its revision (two concurrent writers can set the same updatedAt).
func sameVersion(e events.Event, l *ent.Launch) bool {
	return l.UpdatedAt.UnixMicro() == e.Version && (e.Revision == 0 || int64(l.Revision) == e.Revision)
}

// notAfter reports whether launch state l is no newer than floor, the state a resync
// sent. A resync reads the launch as it is when it runs, which can be ahead of events
// still on their way (the broker replaced what overflowed with the resync): their states
// (exact rows, preloaded) are older, or its own, and are not sent after it. The revision
// orders them — counted under the row's lock (revision = revision + 1), it follows the
// commits, which updatedAt, set before the lock, does not; a change that counts none
// (updatedAt alone) is the same revision, a new version. Without a resync events are sent
// in the order they arrive. Only a launch's own events are held to it: a programme
// change's event showing the same row carries other news (its sessions, speakers).
func notAfter(l, floor *ent.Launch) bool {
	return floor != nil && (l.Revision < floor.Revision ||
		l.Revision == floor.Revision && l.UpdatedAt.Equal(floor.UpdatedAt))
}

// errEnd ends a subscription whose events were lost and cannot be replayed.
var errEnd = errors.New("live: events were missed; subscribe again")

// resynced reports whether evs hold a resync.
func resynced(evs []events.Event) bool {
	for _, e := range evs {
		if e.Type == events.TypeResync {
			return true
		}
	}
	return false
}

// Seats emits launch id's seats now and after each committed change of its registrants
// or capacity; a burst of changes yields the latest counts once.
func (s *Service) Seats(ctx context.Context, id int) (<-chan *registration.Seats, error) {
	filter := func(e events.Event) bool {
		return e.LaunchID == id && (e.Type == events.TypeRegistrant || e.Type == events.TypeLaunch)
	}
	return stream(ctx, s, filter, true, func(ctx context.Context, evs []events.Event) ([]*registration.Seats, error) {
		seats, err := load(ctx, s, moment{seq: lastSeq(evs)}, "seats", id, func(ctx context.Context) (*registration.Seats, error) {
			l, err := s.launchAs(ctx, id)
			if err != nil {
				return nil, err
			}
			seats, err := s.seats.Seats(ctx, l)
			if err != nil {
				return nil, fmt.Errorf("live: seats: %w", err)
			}
			return seats, nil
		})
		if err != nil {
			return nil, err
		}
		return []*registration.Seats{seats}, nil
	})
}

// Launch emits launch id after each committed change to it, its sessions, speakers or
// objectives, while ctx's viewer may see it: once per event, as loaded (once for all the
// subscribers of the viewer's class) when the event arrived; after a resync, once.
func (s *Service) Launch(ctx context.Context, id int) (<-chan *ent.Launch, error) {
	if _, err := s.launchAs(ctx, id); err != nil {
		return nil, err
	}
	filter := func(e events.Event) bool { return e.LaunchID == id && e.Type != events.TypeRegistrant }
	s.watch(ctx, id)
	var floor *ent.Launch // the state the last resync sent
	return stream(ctx, s, filter, false, func(ctx context.Context, evs []events.Event) ([]*ent.Launch, error) {
		from := 0
		for i, e := range evs {
			if e.Type == events.TypeResync {
				from = i // what came before it is stale: the resync re-reads
			}
		}
		evs = evs[from:]
		out := make([]*ent.Launch, 0, len(evs))
		for _, e := range evs {
			l, err := s.launchAfter(ctx, e, id)
			if err != nil {
				return nil, err
			}
			if l == nil || superseded(e, l) || e.Type == events.TypeLaunch && notAfter(l, floor) {
				continue // hidden, deleted, replaced already, or no newer than a resync's
			}
			if e.Type == events.TypeResync {
				floor = l
			}
			out = append(out, l)
		}
		return out, nil
	})
}

// Programme emits each committed programme change (sessions, speakers, objectives) of
// launch id, or of every launch when id is nil, that ctx's viewer may see. After missed
// events (a resync) it ends: the client re-reads and subscribes again.
func (s *Service) Programme(ctx context.Context, id *int) (<-chan *ProgrammeChange, error) {
	if id != nil {
		if _, err := s.launchAs(ctx, *id); err != nil {
			return nil, err
		}
	}
	filter := func(e events.Event) bool {
		switch e.Type {
		case events.TypeSession, events.TypeSpeaker, events.TypeObjective:
			return id == nil || e.LaunchID == *id
		}
		return false
	}
	if id != nil {
		s.watch(ctx, *id)
	} else {
		s.watch(ctx, 0)
	}
	return stream(ctx, s, filter, false, func(ctx context.Context, evs []events.Event) ([]*ProgrammeChange, error) {
		if resynced(evs) {
			return nil, errEnd
		}
		var out []*ProgrammeChange
		for _, e := range evs {
			l, err := s.launchAfter(ctx, e, e.LaunchID)
			if err != nil {
				return nil, err
			}
			if l == nil {
				continue // not visible to this viewer
			}
			pc := &ProgrammeChange{Launch: l, Change: e.Change}
			if e.Type != events.TypeSession {
				pc.Change = events.Updated
			} else if e.Change != events.Deleted {
				pc.Session, err = load(ctx, s, moment{seq: e.Seq}, "session", e.EntityID, func(ctx context.Context) (*ent.Session, error) {
					se, err := s.client.Session.Get(ctx, e.EntityID)
					if err != nil && !ent.IsNotFound(err) {
						return nil, fmt.Errorf("live: load session: %w", err)
					}
					return se, nil
				})
				if err != nil {
					return nil, err
				}
			}
			out = append(out, pc)
		}
		return out, nil
	})
}

// Registrations emits every committed change of a registrant of launch id (every launch
// when nil): admins only. After missed events (a resync) it ends.
func (s *Service) Registrations(ctx context.Context, id *int) (<-chan *RegistrationEvent, error) {
	if err := authz.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	filter := func(e events.Event) bool {
		return e.Type == events.TypeRegistrant && (id == nil || e.LaunchID == *id)
	}
	return stream(ctx, s, filter, false, func(ctx context.Context, evs []events.Event) ([]*RegistrationEvent, error) {
		if resynced(evs) {
			return nil, errEnd
		}
		out := make([]*RegistrationEvent, 0, len(evs))
		for _, e := range evs {
			re := &RegistrationEvent{RegistrantID: e.EntityID, At: e.At,
				PreviousStatus: status(e.PreviousStatus), Status: status(e.Status)}
			if e.Change != events.Deleted {
				r, err := s.client.Registrant.Get(ctx, e.EntityID)
				if err != nil && !ent.IsNotFound(err) {
					return nil, fmt.Errorf("live: load registrant: %w", err)
				}
				re.Registrant = r
			}
			out = append(out, re)
		}
		return out, nil
	})
}

func status(s string) *registrant.Status {
	if s == "" {
		return nil
	}
	st := registrant.Status(s)
	return &st
}
