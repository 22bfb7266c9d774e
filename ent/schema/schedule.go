package schema

import (
	"context"
	"time"

	"entgo.io/ent"

	gen "launchgraph/ent"
	"launchgraph/ent/hook"
	"launchgraph/internal/catalog/schedule"
)

// scheduled is what launch and session mutations share: a start and an end, old and new.
type scheduled interface {
	StartsAt() (time.Time, bool)
	EndsAt() (time.Time, bool)
	OldStartsAt(context.Context) (time.Time, error)
	OldEndsAt(context.Context) (time.Time, error)
	Op() ent.Op
}

// checkSchedule refuses a create or update that would leave endsAt before startsAt.
func checkSchedule(ctx context.Context, m scheduled) error {
	starts, okS := m.StartsAt()
	ends, okE := m.EndsAt()
	if !okS && !okE {
		return nil
	}
	var err error
	if !okS {
		if starts, err = m.OldStartsAt(ctx); err != nil {
			return err
		}
	}
	if !okE {
		if ends, err = m.OldEndsAt(ctx); err != nil {
			return err
		}
	}
	return schedule.Check(starts, ends)
}

// launchScheduleHook validates a launch's times and registration window.
func launchScheduleHook(next ent.Mutator) ent.Mutator {
	return hook.LaunchFunc(func(ctx context.Context, m *gen.LaunchMutation) (ent.Value, error) {
		if err := checkSchedule(ctx, m); err != nil {
			return nil, err
		}
		var opensAt, closesAt *time.Time
		if v, ok := m.RegistrationOpensAt(); ok {
			opensAt = &v
		} else if m.Op().Is(ent.OpUpdateOne) && !m.RegistrationOpensAtCleared() {
			if old, err := m.OldRegistrationOpensAt(ctx); err == nil {
				opensAt = old
			}
		}
		if v, ok := m.RegistrationClosesAt(); ok {
			closesAt = &v
		} else if m.Op().Is(ent.OpUpdateOne) && !m.RegistrationClosesAtCleared() {
			if old, err := m.OldRegistrationClosesAt(ctx); err == nil {
				closesAt = old
			}
		}
		if err := schedule.CheckRegistrationWindow(opensAt, closesAt); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

// sessionScheduleHook validates a session's times.
func sessionScheduleHook(next ent.Mutator) ent.Mutator {
	return hook.SessionFunc(func(ctx context.Context, m *gen.SessionMutation) (ent.Value, error) {
		if err := checkSchedule(ctx, m); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}
