package events

import (
	"context"
	"fmt"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/authz/kinds"
)

// mutation is what the hook needs of every generated ent mutation.
type mutation interface {
	ent.Mutation
	IDs(ctx context.Context) ([]int, error)
	Client() *ent.Client
	Tx() (*ent.Tx, error)
}

// Hook publishes an event for every change to a launch, session, speaker, objective or
// registrant, whichever path makes it: after the transaction commits when the mutation
// runs in one (nothing when it rolls back), all of the transaction's events in one
// Publish (one NOTIFY per 50 on PostgreSQL, however many rows a group commit wrote), else
// right after the mutation. The broker's preload functions (Preloader) see each change
// first, with the mutation's value. A publish error cannot undo the change; it goes to
// onError (nil ignores it). Register it on the client (store.Open).
func Hook(pub Publisher, onError func(error)) ent.Hook {
	var pending sync.Map // *ent.Tx → *txEvents
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			mm, ok := m.(mutation)
			if !ok {
				return next.Mutate(ctx, m)
			}
			switch m.Type() {
			case TypeLaunch, TypeSession, TypeSpeaker, TypeObjective, TypeRegistrant:
			default:
				return next.Mutate(ctx, m)
			}
			// The hook reads ids and statuses whatever the viewer may see.
			rctx := privacy.DecisionContext(ctx, privacy.Allow)
			var before []Event
			var ids []int
			if !m.Op().Is(ent.OpCreate) {
				var err error
				if ids, err = mm.IDs(rctx); err != nil {
					return nil, fmt.Errorf("events: ids of %s: %w", m.Type(), err)
				}
				if before, err = collect(rctx, mm.Client(), m.Type(), ids); err != nil {
					return nil, err
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if m.Op().Is(ent.OpCreate) {
				if id, ok := idOf(v); ok {
					ids = []int{id}
				}
			}
			after, known := created(v)
			if !known && !m.Op().Is(ent.OpDelete|ent.OpDeleteOne) {
				if after, err = collect(rctx, mm.Client(), m.Type(), ids); err != nil {
					return nil, err
				}
			}
			evs := diff(m.Op(), before, after, time.Now().UTC())
			stampVersion(evs, v)
			if len(evs) == 0 {
				return v, nil
			}
			for i := range evs {
				evs[i].changed = v // for the preload functions, in this process only
			}
			publishAfter(ctx, pub, &pending, mm, evs, onError)
			return v, nil
		})
	}
}

// publishAfter publishes evs, after their transaction commits when mm runs in one (all of
// the transaction's events at once), else now; the broker's preload functions see them first.
func publishAfter(ctx context.Context, pub Publisher, pending *sync.Map, mm mutation, evs []Event, onError func(error)) {
	publish := func(inTx bool) func([]Event) {
		return func(evs []Event) {
			preload(pub, evs, inTx)
			if err := pub.Publish(context.WithoutCancel(ctx), evs...); err != nil && onError != nil {
				onError(err)
			}
		}
	}
	if tx, err := mm.Tx(); err == nil && tx != nil {
		queue(pending, tx, evs, publish(true))
		return
	}
	publish(false)(evs)
}

// txEvents are the events of one transaction, published when it commits.
type txEvents struct {
	mu  sync.Mutex
	evs []Event
}

// queue adds evs to tx's events; the first events of a transaction register the hooks that
// publish them all after its commit, or drop them on rollback.
func queue(pending *sync.Map, tx *ent.Tx, evs []Event, publish func([]Event)) {
	v, loaded := pending.LoadOrStore(tx, &txEvents{})
	te := v.(*txEvents)
	te.mu.Lock()
	te.evs = append(te.evs, evs...)
	te.mu.Unlock()
	if loaded {
		return
	}
	take := func() []Event {
		pending.Delete(tx)
		te.mu.Lock()
		defer te.mu.Unlock()
		return te.evs
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if evs := take(); err == nil {
				publish(evs)
			}
			return err
		})
	})
	tx.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
		return ent.RollbackFunc(func(ctx context.Context, tx *ent.Tx) error {
			take()
			return next.Rollback(ctx, tx)
		})
	})
}

// created returns the event of a created launch, session or registrant without a query
// (bulk inserts stay one statement per batch).
func created(v ent.Value) ([]Event, bool) {
	switch x := v.(type) {
	case *ent.Launch:
		return []Event{{Type: TypeLaunch, LaunchID: x.ID, EntityID: x.ID}}, true
	case *ent.Session:
		return []Event{{Type: TypeSession, LaunchID: x.LaunchID, EntityID: x.ID}}, true
	case *ent.Registrant:
		return []Event{{Type: TypeRegistrant, LaunchID: x.LaunchID, EntityID: x.ID, Status: string(x.Status)}}, true
	}
	return nil, false
}

// stampVersion sets the Version and Revision of the event of launch v (the launch a create or an
// update-one returns).
func stampVersion(evs []Event, v ent.Value) {
	l, ok := v.(*ent.Launch)
	if !ok {
		return
	}
	for i := range evs {
		if evs[i].Type == TypeLaunch && evs[i].EntityID == l.ID && evs[i].Change != Deleted {
			evs[i].Version = l.UpdatedAt.UnixMicro()
			evs[i].Revision = int64(l.Revision)
		}
	}
}

// idOf returns the id of a created entity.
func idOf(v ent.Value) (int, bool) {
	switch x := v.(type) {
	case *ent.Launch:
		return x.ID, true
	case *ent.Session:
		return x.ID, true
	case *ent.Speaker:
		return x.ID, true
	case *ent.Objective:
		return x.ID, true
	case *ent.Registrant:
		return x.ID, true
	}
	return 0, false
}

// collect returns one event per (entity, launch) pair of ids, with registrants' statuses.
func collect(ctx context.Context, c *ent.Client, typ string, ids []int) ([]Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []Event
	var err error
	if kind, ok := kinds.Of(typ); ok {
		owned, err := kind.Launches(ctx, c, ids)
		if err != nil {
			return nil, fmt.Errorf("events: read %s: %w", typ, err)
		}
		for _, o := range owned {
			out = append(out, Event{Type: typ, LaunchID: o.LaunchID, EntityID: o.ID})
		}
		return out, nil
	}
	if typ == TypeRegistrant {
		var rows []struct {
			ID       int    `json:"id"`
			LaunchID int    `json:"launch_id"`
			Status   string `json:"status"`
		}
		err = c.Registrant.Query().Where(registrant.IDIn(ids...)).
			Modify(func(s *entsql.Selector) {
				s.Select(s.C(registrant.FieldID), s.C(registrant.FieldLaunchID), s.C(registrant.FieldStatus))
			}).Scan(ctx, &rows)
		for _, r := range rows {
			out = append(out, Event{Type: typ, LaunchID: r.LaunchID, EntityID: r.ID, Status: r.Status})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("events: read %s: %w", typ, err)
	}
	return out, nil
}

// diff turns the entities before and after a mutation into events.
func diff(op ent.Op, before, after []Event, at time.Time) []Event {
	key := func(e Event) [2]int { return [2]int{e.EntityID, e.LaunchID} }
	var out []Event
	switch {
	case op.Is(ent.OpCreate):
		for _, e := range after {
			e.Change, e.At = Created, at
			out = append(out, e)
		}
	case op.Is(ent.OpDelete | ent.OpDeleteOne):
		for _, e := range before {
			e.Change, e.At, e.PreviousStatus, e.Status = Deleted, at, e.Status, ""
			out = append(out, e)
		}
	default:
		old := make(map[[2]int]Event, len(before))
		for _, e := range before {
			old[key(e)] = e
		}
		for _, e := range after {
			prev := old[key(e)]
			delete(old, key(e))
			e.Change, e.At, e.PreviousStatus = Updated, at, prev.Status
			out = append(out, e)
		}
		for _, e := range before { // moved to another launch: the old one changed too
			if _, gone := old[key(e)]; gone && e.Type != TypeRegistrant {
				e.Change, e.At, e.Status = Updated, at, ""
				out = append(out, e)
			}
		}
	}
	return out
}
