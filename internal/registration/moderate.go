package registration

import (
	"context"
	"fmt"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/notification"
	"launchgraph/ent/predicate"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/txn"
)

// ByToken returns the registrant whose manage token is token, read as a viewer holding that
// token (auth.WithRegistrant), or nil when no registrant has it.
func (s *Service) ByToken(ctx context.Context, token string) (*ent.Registrant, error) {
	if !wellFormedToken(token) {
		return nil, nil
	}
	client := s.clientFrom(ctx)
	id, err := client.Registrant.Query().
		Where(registrant.ManageTokenHash(HashToken(token))).
		OnlyID(privacy.DecisionContext(ctx, privacy.Allow))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registration: find by token: %w", err)
	}
	r, err := client.Registrant.Get(auth.WithRegistrant(ctx, id), id)
	if err != nil {
		return nil, fmt.Errorf("registration: read registrant: %w", err)
	}
	return r, nil
}

// Cancel cancels the registration whose manage token is token and promotes waitlisted
// registrants into a freed seat, in the same transaction. Cancelling twice returns the
// cancelled registrant. Errors: NOT_FOUND (unknown token), CONFLICT (rejected).
func (s *Service) Cancel(ctx context.Context, token string) (*ent.Registrant, error) {
	if !wellFormedToken(token) {
		return nil, notFoundToken()
	}
	which := registrant.ManageTokenHash(HashToken(token))
	return s.change(privacy.DecisionContext(ctx, privacy.Allow), which, notFoundToken, s.cancel)
}

// CancelByAdmin cancels registrant id on its behalf (it asked an organiser), as Cancel
// does with the token: the address may register again, a freed seat goes to the waitlist.
// Admin only (FORBIDDEN otherwise); NOT_FOUND, CONFLICT when rejected.
func (s *Service) CancelByAdmin(ctx context.Context, id int) (*ent.Registrant, error) {
	return s.moderate(ctx, id, s.cancel)
}

// cancel is the change of Cancel and CancelByAdmin.
func (s *Service) cancel(ctx context.Context, tx *ent.Client, st *seats, r *ent.Registrant) (*ent.Registrant, error) {
	switch r.Status {
	case registrant.StatusCANCELLED:
		return r, nil
	case registrant.StatusREJECTED:
		return nil, apperr.Errorf(apperr.Conflict, "a rejected registration cannot be cancelled")
	}
	out, err := s.leave(ctx, tx, st, r, tx.Registrant.UpdateOne(r).SetStatus(registrant.StatusCANCELLED))
	if err != nil {
		return nil, err
	}
	return out, s.notify(ctx, tx, Notice{Kind: notification.KindCANCELLED, Registrant: out})
}

// Approve confirms a PENDING registrant. Admin only (FORBIDDEN otherwise); NOT_FOUND,
// CONFLICT when not pending, LAUNCH_FULL when the capacity was lowered below the confirmed
// registrants plus this one (CheckApprove).
func (s *Service) Approve(ctx context.Context, id int) (*ent.Registrant, error) {
	return s.moderate(ctx, id, func(ctx context.Context, tx *ent.Client, st *seats, r *ent.Registrant) (*ent.Registrant, error) {
		if r.Status != registrant.StatusPENDING {
			return nil, apperr.Errorf(apperr.Conflict, "only a PENDING registration can be approved; this one is %s", r.Status)
		}
		if err := CheckApprove(st.state, st.counts); err != nil {
			return nil, err
		}
		out, err := saveRegistrant(ctx, tx.Registrant.UpdateOne(r).SetStatus(registrant.StatusCONFIRMED))
		if err != nil {
			return nil, err
		}
		st.counts.Add(registrant.StatusPENDING, -1)
		st.counts.Add(registrant.StatusCONFIRMED, 1)
		return out, s.notify(ctx, tx, Notice{Kind: notification.KindAPPROVED, Registrant: out})
	})
}

// Reject rejects a PENDING, CONFIRMED or WAITLISTED registrant with an optional reason and
// promotes from the waitlist into a freed seat. Admin only; NOT_FOUND, CONFLICT when
// already cancelled or rejected, BAD_USER_INPUT for a reason too long.
func (s *Service) Reject(ctx context.Context, id int, reason *string) (*ent.Registrant, error) {
	why, err := ValidateReason(reason)
	if err != nil {
		return nil, err
	}
	return s.moderate(ctx, id, func(ctx context.Context, tx *ent.Client, st *seats, r *ent.Registrant) (*ent.Registrant, error) {
		switch r.Status {
		case registrant.StatusCANCELLED, registrant.StatusREJECTED:
			return nil, apperr.Errorf(apperr.Conflict, "the registration is already %s", r.Status)
		}
		upd := tx.Registrant.UpdateOne(r).SetStatus(registrant.StatusREJECTED)
		if why != "" {
			upd.SetRejectionReason(why)
		} else {
			upd.ClearRejectionReason()
		}
		out, err := s.leave(ctx, tx, st, r, upd)
		if err != nil {
			return nil, err
		}
		return out, s.notify(ctx, tx, Notice{Kind: notification.KindREJECTED, Registrant: out})
	})
}

// CheckIn records that a CONFIRMED registrant arrived; checking in twice keeps the first
// time. Admin only; NOT_FOUND, CONFLICT when not confirmed.
func (s *Service) CheckIn(ctx context.Context, id int) (*ent.Registrant, error) {
	return s.moderate(ctx, id, func(ctx context.Context, tx *ent.Client, _ *seats, r *ent.Registrant) (*ent.Registrant, error) {
		if r.Status != registrant.StatusCONFIRMED {
			return nil, apperr.Errorf(apperr.Conflict, "only a CONFIRMED registrant can check in; this one is %s", r.Status)
		}
		if r.CheckedInAt != nil {
			return r, nil
		}
		return saveRegistrant(ctx, tx.Registrant.UpdateOne(r).SetCheckedInAt(s.now()))
	})
}

// changeFunc changes registrant r of the launch locked in st.
type changeFunc func(ctx context.Context, tx *ent.Client, st *seats, r *ent.Registrant) (*ent.Registrant, error)

// moderate runs an admin decision on registrant id. The changes are audited by the audit
// hook of the store's client (it records every mutation an admin makes, in the same
// transaction, under the GraphQL field's name).
func (s *Service) moderate(ctx context.Context, id int, fn changeFunc) (*ent.Registrant, error) {
	if err := authz.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	notFound := func() error { return apperr.Errorf(apperr.NotFound, "no such registrant") }
	return s.change(privacy.DecisionContext(ctx, privacy.Allow), registrant.ID(id), notFound, fn)
}

// change runs fn on the registrant matching which, with its launch and counters locked,
// then saves the counters, in one transaction (the caller's when ctx has one).
func (s *Service) change(ctx context.Context, which predicate.Registrant, notFound func() error, fn changeFunc) (*ent.Registrant, error) {
	joined := txn.Joined(ctx)
	var out *ent.Registrant
	err := s.run(ctx, func(ctx context.Context, tx *ent.Client) error {
		st, err := lockSeats(ctx, tx, launch.HasRegistrantsWith(which))
		if apperr.CodeOf(err) == apperr.NotFound {
			return notFound()
		}
		if err != nil {
			return err
		}
		r, err := tx.Registrant.Query().Where(which).Only(ctx)
		if err != nil {
			return fmt.Errorf("registration: read registrant: %w", err)
		}
		if out, err = fn(ctx, tx, st, r); err != nil {
			return err
		}
		return st.save(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return detach(out, joined), nil
}

// leave applies upd, which takes r off its launch (cancelled or rejected), then promotes
// into a freed seat and renumbers the waitlist.
func (s *Service) leave(ctx context.Context, tx *ent.Client, st *seats, r *ent.Registrant, upd *ent.RegistrantUpdateOne) (*ent.Registrant, error) {
	if r.WaitlistPosition != nil {
		upd.ClearWaitlistPosition()
	}
	out, err := saveRegistrant(ctx, upd)
	if err != nil {
		return nil, err
	}
	st.leave(r.Status)
	if _, err := s.rebalance(ctx, tx, st); err != nil {
		return nil, err
	}
	return out, nil
}

func saveRegistrant(ctx context.Context, upd *ent.RegistrantUpdateOne) (*ent.Registrant, error) {
	r, err := upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("registration: update registrant: %w", err)
	}
	return r, nil
}

func notFoundToken() error {
	return apperr.Errorf(apperr.NotFound, "no registration has this token")
}
