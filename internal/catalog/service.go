package catalog

import (
	"context"

	"launchgraph/ent"
	"launchgraph/internal/authz"
	"launchgraph/internal/registration"
	"launchgraph/internal/txn"
)

// Seats is what the catalog needs of registration when a launch's capacity changes
// (registration.Service): check the new capacity against the live registrants with the
// launch locked, then, after the update, promote into the seats it opened.
type Seats interface {
	CheckCapacity(ctx context.Context, tx *ent.Client, launchID int, capacity *int) error
	Rebalance(ctx context.Context, tx *ent.Client, launchID int) ([]registration.Promotion, error)
}

// Service makes the admin writes of the programme: regions, formats, launches,
// objectives, guideline sets, sessions and speakers. Every method is admin only
// (authz.RequireAdmin: FORBIDDEN otherwise), checks the ids its input refers to
// (BAD_USER_INPUT on the field naming one that is not a node of the right type) and runs
// in the caller's transaction (the GraphQL mutation's) or one of its own. Schedules are
// checked by the schema's hooks (package schedule) on every path;
// each change is audited and published by the store's hooks.
type Service struct {
	client *ent.Client
	seats  Seats
}

// New returns the catalog over client, asking seats about capacity changes.
func New(client *ent.Client, seats Seats) *Service { return &Service{client: client, seats: seats} }

// write runs fn for an admin after the references check, in the caller's transaction or
// one of its own (whose result is then detached from it).
func write[T any](ctx context.Context, s *Service, refs []Ref, fn func(ctx context.Context, tx *ent.Client) (T, error)) (T, error) {
	var out T
	if err := authz.RequireAdmin(ctx); err != nil {
		return out, err
	}
	joined := txn.Joined(ctx)
	err := txn.Run(ctx, s.client, txn.Policy{MaxAttempts: 1}, func(ctx context.Context, tx *ent.Client) error {
		if err := RequireRefs(ctx, tx, refs...); err != nil {
			return err
		}
		var err error
		out, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	if u, ok := any(out).(interface{ Unwrap() T }); ok && !joined {
		out = u.Unwrap()
	}
	return out, nil
}

// CreateRegion creates a region.
func (s *Service) CreateRegion(ctx context.Context, in ent.CreateRegionInput) (*ent.Region, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (*ent.Region, error) {
		return tx.Region.Create().SetInput(in).Save(ctx)
	})
}

// UpdateRegion updates region id.
func (s *Service) UpdateRegion(ctx context.Context, id int, in ent.UpdateRegionInput) (*ent.Region, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (*ent.Region, error) {
		return tx.Region.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// CreateFormat creates a format.
func (s *Service) CreateFormat(ctx context.Context, in ent.CreateFormatInput) (*ent.Format, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (*ent.Format, error) {
		return tx.Format.Create().SetInput(in).Save(ctx)
	})
}

// UpdateFormat updates format id.
func (s *Service) UpdateFormat(ctx context.Context, id int, in ent.UpdateFormatInput) (*ent.Format, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (*ent.Format, error) {
		return tx.Format.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// CreateLaunch creates a launch (DRAFT unless in says otherwise).
func (s *Service) CreateLaunch(ctx context.Context, in ent.CreateLaunchInput) (*ent.Launch, error) {
	return write(ctx, s, createLaunchRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Launch, error) {
		return tx.Launch.Create().SetInput(in).Save(ctx)
	})
}

// UpdateLaunch updates launch id. A capacity change is checked against the live
// registrants first (BAD_USER_INPUT on capacity below the confirmed ones), with the launch
// locked so that no registration slips in, and promotes waitlisted registrants into the
// seats it opens, in the same transaction.
func (s *Service) UpdateLaunch(ctx context.Context, id int, in ent.UpdateLaunchInput) (*ent.Launch, error) {
	return write(ctx, s, updateLaunchRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Launch, error) {
		capacityChanged := in.Capacity != nil || in.ClearCapacity
		if capacityChanged {
			if err := s.seats.CheckCapacity(ctx, tx, id, in.Capacity); err != nil {
				return nil, err
			}
		}
		l, err := tx.Launch.UpdateOneID(id).SetInput(in).Save(ctx)
		if err != nil || !capacityChanged {
			return l, err
		}
		if _, err := s.seats.Rebalance(ctx, tx, id); err != nil {
			return nil, err
		}
		return l, nil
	})
}

// DeleteLaunch deletes launch id and its sessions (DeleteLaunch's rules).
func (s *Service) DeleteLaunch(ctx context.Context, id int) (int, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (int, error) {
		return id, DeleteLaunch(ctx, tx, id)
	})
}

// CreateObjective creates an objective.
func (s *Service) CreateObjective(ctx context.Context, in ent.CreateObjectiveInput) (*ent.Objective, error) {
	return write(ctx, s, createObjectiveRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Objective, error) {
		return tx.Objective.Create().SetInput(in).Save(ctx)
	})
}

// UpdateObjective updates objective id.
func (s *Service) UpdateObjective(ctx context.Context, id int, in ent.UpdateObjectiveInput) (*ent.Objective, error) {
	return write(ctx, s, updateObjectiveRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Objective, error) {
		return tx.Objective.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// DeleteObjective deletes objective id (NOT_FOUND when there is none).
func (s *Service) DeleteObjective(ctx context.Context, id int) (int, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (int, error) {
		return id, Delete(ctx, "objective", id, tx.Objective.DeleteOneID(id))
	})
}

// CreateGuidelineSet creates a guideline set.
func (s *Service) CreateGuidelineSet(ctx context.Context, in ent.CreateGuidelineSetInput) (*ent.GuidelineSet, error) {
	return write(ctx, s, createGuidelineSetRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.GuidelineSet, error) {
		return tx.GuidelineSet.Create().SetInput(in).Save(ctx)
	})
}

// UpdateGuidelineSet updates guideline set id.
func (s *Service) UpdateGuidelineSet(ctx context.Context, id int, in ent.UpdateGuidelineSetInput) (*ent.GuidelineSet, error) {
	return write(ctx, s, updateGuidelineSetRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.GuidelineSet, error) {
		return tx.GuidelineSet.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// CreateSession creates a session.
func (s *Service) CreateSession(ctx context.Context, in ent.CreateSessionInput) (*ent.Session, error) {
	return write(ctx, s, createSessionRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Session, error) {
		return tx.Session.Create().SetInput(in).Save(ctx)
	})
}

// UpdateSession updates session id.
func (s *Service) UpdateSession(ctx context.Context, id int, in ent.UpdateSessionInput) (*ent.Session, error) {
	return write(ctx, s, updateSessionRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Session, error) {
		return tx.Session.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// DeleteSession deletes session id (NOT_FOUND when there is none).
func (s *Service) DeleteSession(ctx context.Context, id int) (int, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (int, error) {
		return id, Delete(ctx, "session", id, tx.Session.DeleteOneID(id))
	})
}

// CreateSpeaker creates a speaker.
func (s *Service) CreateSpeaker(ctx context.Context, in ent.CreateSpeakerInput) (*ent.Speaker, error) {
	return write(ctx, s, createSpeakerRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Speaker, error) {
		return tx.Speaker.Create().SetInput(in).Save(ctx)
	})
}

// UpdateSpeaker updates speaker id.
func (s *Service) UpdateSpeaker(ctx context.Context, id int, in ent.UpdateSpeakerInput) (*ent.Speaker, error) {
	return write(ctx, s, updateSpeakerRefs(in), func(ctx context.Context, tx *ent.Client) (*ent.Speaker, error) {
		return tx.Speaker.UpdateOneID(id).SetInput(in).Save(ctx)
	})
}

// DeleteSpeaker deletes speaker id (NOT_FOUND when there is none).
func (s *Service) DeleteSpeaker(ctx context.Context, id int) (int, error) {
	return write(ctx, s, nil, func(ctx context.Context, tx *ent.Client) (int, error) {
		return id, Delete(ctx, "speaker", id, tx.Speaker.DeleteOneID(id))
	})
}
