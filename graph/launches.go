package graph

import (
	"context"

	"launchgraph/ent"
	"launchgraph/internal/catalog"
)

// updateLaunch applies input to launch id in the mutation's transaction. A capacity change
// is checked against the live registrants first (BAD_USER_INPUT below the confirmed
// count) and promotes waitlisted registrants into the seats it opens, in the same
// transaction.
func (r *Resolver) updateLaunch(ctx context.Context, id int, input ent.UpdateLaunchInput) (*ent.Launch, error) {
	tx := ent.FromContext(ctx)
	if err := catalog.RequireRefs(ctx, tx, updateLaunchRefs(input)...); err != nil {
		return nil, err
	}
	capacityChanged := input.Capacity != nil || input.ClearCapacity
	if capacityChanged {
		if err := r.registration.CheckCapacity(ctx, tx, id, input.Capacity); err != nil {
			return nil, err
		}
	}
	l, err := tx.Launch.UpdateOneID(id).SetInput(input).Save(ctx)
	if err != nil || !capacityChanged {
		return l, err
	}
	if _, err := r.registration.Rebalance(ctx, tx, id); err != nil {
		return nil, err
	}
	return l, nil
}
