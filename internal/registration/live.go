package registration

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/registrant"
)

// liveState is what a registration decides on, read in one statement once the launch row
// is locked. Each part is an index lookup, so the time the lock is held does not grow with
// the waitlist:
//   - the confirmed and pending counts are bounded by the capacity (and not read at all
//     when the launch has none);
//   - the waitlist's length is the position of its tail, the newest waitlisted row on the
//     (launch_id, status, created_at) index (a backward scan that stops at the first row):
//     positions are 1..n, and register keeps the created_at of waitlisted rows strictly
//     increasing with their position.
//
// The address and the idempotency key are not read: their unique indexes refuse a
// duplicate insert.
type liveState struct {
	Confirmed     int    `json:"confirmed"`
	Pending       int    `json:"pending"`
	TailPosition  *int   `json:"tail_position"`
	TailCreatedAt dbTime `json:"tail_created_at"`
}

func (st liveState) counts() Counts {
	c := Counts{Confirmed: st.Confirmed, Pending: st.Pending}
	if st.TailPosition != nil {
		c.Waitlisted = *st.TailPosition
	}
	return c
}

// readLive reads the liveState of launch l. Call it with l locked.
func readLive(ctx context.Context, tx *ent.Client, l *ent.Launch) (liveState, error) {
	var rows []liveState
	err := tx.Launch.Query().
		Where(launch.ID(l.ID)).
		Modify(func(s *entsql.Selector) {
			id := s.C(launch.FieldID)
			count := func(status registrant.Status) entsql.Querier {
				if l.Capacity == nil {
					return entsql.Raw("0") // every registrant gets a seat: nothing to count
				}
				return entsql.Raw("(SELECT COUNT(*) FROM registrants r WHERE r.launch_id = " + id +
					" AND r.status = '" + string(status) + "')")
			}
			tail := entsql.Table(registrant.Table).As("t")
			s.LeftJoin(tail).OnP(entsql.ExprP(tail.C(registrant.FieldID) + " = (SELECT r.id FROM registrants r" +
				" WHERE r.launch_id = " + id + " AND r.status = 'WAITLISTED'" +
				" ORDER BY r.created_at DESC LIMIT 1)"))
			s.Select().
				AppendSelectExprAs(count(registrant.StatusCONFIRMED), "confirmed").
				AppendSelectExprAs(count(registrant.StatusPENDING), "pending").
				AppendSelectAs(tail.C(registrant.FieldWaitlistPosition), "tail_position").
				AppendSelectAs(tail.C(registrant.FieldCreatedAt), "tail_created_at")
		}).
		Scan(ctx, &rows)
	if err != nil {
		return liveState{}, fmt.Errorf("registration: read launch state: %w", err)
	}
	if len(rows) != 1 {
		return liveState{}, fmt.Errorf("registration: read launch state: %d rows", len(rows))
	}
	return rows[0], nil
}

// dbTime scans a timestamp that a driver may return as time.Time (PostgreSQL) or as text
// (SQLite, for an expression column without a declared type); NULL leaves it invalid.
type dbTime struct {
	Time  time.Time
	Valid bool
}

// sqliteTimeLayouts are the formats modernc.org/sqlite writes (_time_format=sqlite) and
// reads.
var sqliteTimeLayouts = [...]string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{Time: x, Valid: true}
		return nil
	case []byte:
		return t.Scan(string(x))
	case string:
		for _, layout := range sqliteTimeLayouts {
			if tm, err := time.Parse(layout, x); err == nil {
				*t = dbTime{Time: tm, Valid: true}
				return nil
			}
		}
		return fmt.Errorf("registration: unreadable time %q", x)
	}
	return fmt.Errorf("registration: cannot scan %T into a time", v)
}
