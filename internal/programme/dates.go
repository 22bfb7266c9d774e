package programme

import (
	"context"
	"time"

	"launchgraph/ent"
	"launchgraph/internal/tz"
)

// dateLayout is how local dates are written: YYYY-MM-DD.
const dateLayout = "2006-01-02"

// Dates are the local calendar dates an item starts and ends on, in its launch's zone:
// what an all-day item shows instead of instants at local midnight. End is the last day
// (inclusive): an item ending at local midnight ends on the day before.
type Dates struct {
	Start, End string
}

// LaunchDates returns launch l's dates in its own zone.
func LaunchDates(l *ent.Launch) (Dates, error) {
	loc, err := tz.Load("timezone", l.Timezone)
	if err != nil {
		return Dates{}, err
	}
	return dates(l.StartsAt, l.EndsAt, loc), nil
}

// SessionDates returns session s's dates in its launch's zone (the launches of a page's
// sessions are read in one statement).
func SessionDates(ctx context.Context, client *ent.Client, s *ent.Session) (Dates, error) {
	h, err := loaders(ctx, client).homes().Load(ctx, s.LaunchID)
	if err != nil {
		return Dates{}, err
	}
	return dates(s.StartsAt, s.EndsAt, h.loc), nil
}

func dates(start, end time.Time, loc *time.Location) Dates {
	first, last := tz.AllDayDates(start, end, loc)
	return Dates{Start: first.Format(dateLayout), End: last.Format(dateLayout)}
}
