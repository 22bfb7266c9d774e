// Package changes lets partners sync incrementally: root connections filter on updatedAt
// (UpdatedAfter, Order), and deletions of launches, sessions, speakers and objectives
// leave tombstones (Hook, DeletedSince).
//
// A partner keeps a high-water mark: it pages through each connection with
// `updatedAfter: mark` (ordered by updatedAt, then id), applies deletedSince(after: mark),
// and moves the mark to the largest updatedAt and deletedAt it saw. Timestamps are taken
// when a transaction writes, not when it commits, so a partner should re-read a small
// margin (a few seconds) before its mark; applying a row twice is harmless.
package changes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/ent/tombstone"
	"launchgraph/internal/authz"
	"launchgraph/internal/authz/kinds"
)

// Tombstone is a deleted node (GraphQL Tombstone).
type Tombstone struct {
	// ID is the global id the node had.
	ID int
	// Type is the node's type: Launch, Session, Speaker or Objective.
	Type string
	// DeletedAt is when it was deleted.
	DeletedAt time.Time
}

// hiddenPrefix starts the stored entity_type of a tombstone whose node the public could
// not see when it was deleted (a draft launch, its sessions, a speaker of none but those,
// an objective of none but those): such tombstones are shown to partners and admins only,
// so that deleting a draft reveals nothing to the public.
const hiddenPrefix = "hidden:"

// Hook writes a tombstone for every launch, session, speaker or objective a delete
// removes, one-by-id and bulk deletes alike, with the mutation's client: in its
// transaction when it has one. Register it on the client (store.Open).
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			kind, ok := kinds.Of(m.Type())
			if !ok || !m.Op().Is(ent.OpDelete|ent.OpDeleteOne) {
				return next.Mutate(ctx, m)
			}
			dm, ok := m.(interface {
				IDs(context.Context) ([]int, error)
				Client() *ent.Client
			})
			if !ok {
				return nil, fmt.Errorf("changes: %s mutation has no ids", m.Type())
			}
			// Which rows go and which of them the public sees must be read before they
			// go, whatever the viewer may read; the delete itself still meets its policy.
			trusted := privacy.DecisionContext(ctx, privacy.Allow)
			ids, err := dm.IDs(trusted)
			if err != nil {
				return nil, fmt.Errorf("changes: ids of deleted %s: %w", m.Type(), err)
			}
			var public []int
			if len(ids) > 0 {
				if public, err = kind.PublicIDs(trusted, dm.Client(), ids); err != nil {
					return nil, fmt.Errorf("changes: visibility of deleted %s: %w", m.Type(), err)
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || len(ids) == 0 {
				return v, err
			}
			if err := write(trusted, dm.Client(), m.Type(), ids, public); err != nil {
				return nil, err
			}
			return v, nil
		})
	}
}

// write records the tombstones of ids, those not in public marked hidden.
func write(ctx context.Context, client *ent.Client, typ string, ids, public []int) error {
	seen := make(map[int]bool, len(public))
	for _, id := range public {
		seen[id] = true
	}
	now := time.Now()
	creates := make([]*ent.TombstoneCreate, len(ids))
	for i, id := range ids {
		t := typ
		if !seen[id] {
			t = hiddenPrefix + typ
		}
		creates[i] = client.Tombstone.Create().SetEntityID(id).SetEntityType(t).SetDeletedAt(now)
	}
	if err := client.Tombstone.CreateBulk(creates...).Exec(ctx); err != nil {
		return fmt.Errorf("changes: record deleted %s: %w", typ, err)
	}
	return nil
}

// DeletedSince returns the nodes deleted after after, oldest first. A viewer who does
// not see drafts gets only the deletions of nodes the public could see.
func DeletedSince(ctx context.Context, client *ent.Client, after time.Time) ([]*Tombstone, error) {
	q := client.Tombstone.Query().
		Where(tombstone.DeletedAtGT(after)).
		Order(tombstone.ByDeletedAt(), tombstone.ByID())
	if !authz.SeesDrafts(ctx) {
		q.Where(tombstone.Not(tombstone.EntityTypeHasPrefix(hiddenPrefix)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("changes: tombstones since %s: %w", after.Format(time.RFC3339Nano), err)
	}
	out := make([]*Tombstone, len(rows))
	for i, r := range rows {
		out[i] = &Tombstone{ID: r.EntityID, Type: strings.TrimPrefix(r.EntityType, hiddenPrefix), DeletedAt: r.DeletedAt}
	}
	return out, nil
}

// UpdatedAfter returns the filter of an `updatedAfter` argument: gt(t) when t is set, to
// spread into a query's Where.
func UpdatedAfter[P any](t *time.Time, gt func(time.Time) P) []P {
	if t == nil {
		return nil
	}
	return []P{gt(*t)}
}

// Order returns orderBy, or byUpdatedAt when a connection filters on updatedAfter without
// an order of its own: (updatedAt, id) ascending, since pagination always ends the order
// with the id.
func Order[O any](orderBy []O, updatedAfter *time.Time, byUpdatedAt O) []O {
	if len(orderBy) == 0 && updatedAfter != nil {
		return []O{byUpdatedAt}
	}
	return orderBy
}
