package registration

import (
	"context"
	"fmt"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/audit"
)

// Rebalance promotes waitlisted registrants of launch launchID in position order while
// seats are free (to CONFIRMED, or PENDING when the launch requires approval) and
// renumbers the rest of the waitlist 1..n, and returns the promotions in waitlist order.
//
// Call it after raising or removing a launch's capacity (CheckCapacity having accepted
// the new value), in the same transaction, after the update: it reads the capacity from
// the database. tx must be that transaction's client (ent.FromContext(ctx) in a mutation
// resolver): Rebalance locks the launch row first, a lock the caller already holds after
// updating the row, and outside a transaction that lock would end with the statement. The
// promotions are audited like any change an admin makes, with their state before.
func (s *Service) Rebalance(ctx context.Context, tx *ent.Client, launchID int) ([]Promotion, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	st, err := lockSeats(ctx, tx, launch.ID(launchID))
	if err != nil {
		return nil, err
	}
	promoted, err := s.rebalance(ctx, tx, st)
	if err != nil {
		return nil, err
	}
	return promoted, st.save(ctx, tx)
}

// CheckCapacity locks launch launchID and checks newCap against its live registrants with
// ValidateCapacity (BAD_USER_INPUT on "capacity"). Call it before updating a launch's
// capacity, with tx the client of the transaction that makes the update, so that no
// registration slips in between.
func (s *Service) CheckCapacity(ctx context.Context, tx *ent.Client, launchID int, newCap *int) error {
	st, err := lockSeats(ctx, tx, launch.ID(launchID))
	if err != nil {
		return err
	}
	return ValidateCapacity(newCap, st.counts.Confirmed, st.counts.Pending)
}

// waiting is a waitlist row as rebalance reads it.
type waiting struct {
	ID       int  `json:"id"`
	Position *int `json:"waitlist_position"`
}

// rebalance applies PlanWaitlist to the waitlist of st's launch, updates st's counts,
// tells the promoted and returns the promotions.
func (s *Service) rebalance(ctx context.Context, tx *ent.Client, st *seats) ([]Promotion, error) {
	if st.counts.Waitlisted == 0 {
		return nil, nil
	}
	var rows []waiting
	err := tx.Registrant.Query().
		Where(registrant.LaunchID(st.launchID), registrant.StatusEQ(registrant.StatusWAITLISTED)).
		Order(registrant.ByWaitlistPosition(), registrant.ByID()).
		Select(registrant.FieldID, registrant.FieldWaitlistPosition).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("registration: read waitlist: %w", err)
	}
	waitlist := make([]Waiting, len(rows))
	for i, r := range rows {
		waitlist[i] = Waiting{ID: r.ID}
		if r.Position != nil {
			waitlist[i].Position = *r.Position
		}
	}
	plan := PlanWaitlist(st.state, st.counts, waitlist)
	promoted, err := applyPromotions(ctx, tx, plan, waitlist)
	if err != nil {
		return nil, err
	}
	st.counts.Add(plan.PromoteTo, len(promoted))
	st.counts.Waitlisted = len(waitlist) - len(promoted)
	if err := renumber(ctx, tx, plan.Shifts); err != nil {
		return nil, err
	}
	return promoted, s.notifyPromoted(ctx, tx, promoted)
}

// applyPromotions gives the promoted of plan their seats, in one statement audited with
// each one's state before.
func applyPromotions(ctx context.Context, tx *ent.Client, plan Plan, waitlist []Waiting) ([]Promotion, error) {
	if len(plan.Promote) == 0 {
		return nil, nil
	}
	before := make(map[int]map[string]any, len(plan.Promote))
	for _, w := range waitlist[:len(plan.Promote)] {
		pos := w.Position
		before[w.ID] = map[string]any{
			registrant.FieldStatus:           registrant.StatusWAITLISTED,
			registrant.FieldWaitlistPosition: &pos,
		}
	}
	err := tx.Registrant.Update().
		Where(registrant.IDIn(plan.Promote...)).
		SetStatus(plan.PromoteTo).
		ClearWaitlistPosition().
		Exec(audit.WithBefore(ctx, before))
	if err != nil {
		return nil, fmt.Errorf("registration: promote: %w", err)
	}
	promoted := make([]Promotion, len(plan.Promote))
	for i, id := range plan.Promote {
		promoted[i] = Promotion{RegistrantID: id, Status: plan.PromoteTo}
	}
	return promoted, nil
}

// renumber applies the shifts of a plan.
func renumber(ctx context.Context, tx *ent.Client, shifts []Shift) error {
	const chunk = 1000 // keeps the IN list well under both dialects' parameter limits
	for _, sh := range shifts {
		for i := 0; i < len(sh.IDs); i += chunk {
			ids := sh.IDs[i:min(i+chunk, len(sh.IDs))]
			err := tx.Registrant.Update().
				Where(registrant.IDIn(ids...)).
				AddWaitlistPosition(-sh.By).
				Exec(ctx)
			if err != nil {
				return fmt.Errorf("registration: renumber waitlist: %w", err)
			}
		}
	}
	return nil
}
