package registration

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/predicate"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/ent/seatcount"
	"launchgraph/internal/apperr"
	"launchgraph/internal/authz"
	"launchgraph/internal/store"
)

// wholeLaunch is the seat-count category of a launch's registrants as a whole.
const wholeLaunch = ""

// seats is a launch locked for a change of its registrants, with its counters: what every
// decision on the launch needs. Changes update counts; save writes them back.
type seats struct {
	launchID int
	// counterID is the SeatCount row.
	counterID int
	state     LaunchState
	// publicVisible tells whether the public sees the launch (authz.VisibleLaunch).
	publicVisible bool
	counts        Counts
	// tailAt is the latest created_at given to a waitlisted registrant (nil before the first).
	tailAt *time.Time
	saved  Counts
	savedT *time.Time
}

// seatRow is what lockSeats reads.
type seatRow struct {
	LaunchID         int    `json:"id"`
	Status           string `json:"status"`
	EndsAt           dbTime `json:"ends_at"`
	OpensAt          dbTime `json:"registration_opens_at"`
	ClosesAt         dbTime `json:"registration_closes_at"`
	Capacity         *int   `json:"capacity"`
	WaitlistEnabled  dbBool `json:"waitlist_enabled"`
	RequiresApproval dbBool `json:"requires_approval"`
	PublicVisible    dbBool `json:"public_visible"`
	CounterID        int    `json:"counter_id"`
	Confirmed        int    `json:"confirmed"`
	Pending          int    `json:"pending"`
	Waitlisted       int    `json:"waitlisted"`
	TailAt           dbTime `json:"waitlist_tail_at"`
}

// lockSeats locks the launch matching where and its whole-launch counters until the
// transaction ends, and reads both in one statement. On PostgreSQL it is SELECT … FOR NO
// KEY UPDATE OF both rows: a waiter reads the rows as the holder committed them (READ
// COMMITTED re-reads locked rows), and inserting registrants, which takes KEY SHARE on the
// launch, is not blocked. A launch without counters (created since, or from before them)
// gets them from its rows first. NOT_FOUND when no launch matches.
func lockSeats(ctx context.Context, tx *ent.Client, where ...predicate.Launch) (*seats, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	for range 2 {
		rows, err := readSeats(ctx, tx, where)
		if err != nil {
			return nil, err
		}
		if len(rows) == 1 {
			return seatsOf(rows[0]), nil
		}
		id, err := tx.Launch.Query().Where(where...).OnlyID(ctx)
		if ent.IsNotFound(err) {
			return nil, noSuchLaunch()
		}
		if err != nil {
			return nil, fmt.Errorf("registration: find launch: %w", err)
		}
		if _, err := writeSeats(ctx, tx, id, false); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("registration: seat counters of the launch did not appear")
}

func readSeats(ctx context.Context, tx *ent.Client, where []predicate.Launch) ([]seatRow, error) {
	rows, _, err := readSeatsOf(ctx, tx, where)
	return rows, err
}

// readSeatsOf is readSeats, in launch id order (the order PostgreSQL locks them in), with
// the store's dialect.
func readSeatsOf(ctx context.Context, tx *ent.Client, where []predicate.Launch) ([]seatRow, string, error) {
	var rows []seatRow
	var dialectName string
	err := tx.Launch.Query().Where(where...).
		Modify(func(s *entsql.Selector) {
			c := entsql.Table(seatcount.Table).As("sc")
			s.Join(c).OnP(entsql.And(
				entsql.ColumnsEQ(s.C(launch.FieldID), c.C(seatcount.FieldLaunchID)),
				entsql.EQ(c.C(seatcount.FieldCategory), wholeLaunch)))
			visible := entsql.Select().From(s.Table())
			authz.VisibleLaunch()(visible)
			s.Select(s.C(launch.FieldID), s.C(launch.FieldStatus), s.C(launch.FieldEndsAt),
				s.C(launch.FieldRegistrationOpensAt), s.C(launch.FieldRegistrationClosesAt),
				s.C(launch.FieldCapacity), s.C(launch.FieldWaitlistEnabled), s.C(launch.FieldRequiresApproval)).
				AppendSelectExprAs(visible.P(), "public_visible").
				AppendSelectAs(c.C(seatcount.FieldID), "counter_id").
				AppendSelect(c.C(seatcount.FieldConfirmed), c.C(seatcount.FieldPending),
					c.C(seatcount.FieldWaitlisted), c.C(seatcount.FieldWaitlistTailAt))
			s.OrderBy(s.C(launch.FieldID))
			dialectName = s.Dialect()
			if s.Dialect() == dialect.Postgres {
				s.For(entsql.LockNoKeyUpdate, entsql.WithLockTables(s.TableName(), "sc"))
			}
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, "", fmt.Errorf("registration: lock launch: %w", err)
	}
	return rows, dialectName, nil
}

// lockedSeats are the launches of a batch, locked, with their counters.
type lockedSeats struct {
	// seats are the launches found, by id.
	seats   map[int]*seats
	dialect string
	// keys, when set, are idempotency keys save inserts (storeKeys).
	keys *keyRows
}

// lockLaunches is lockSeats for the launches ids (distinct, ascending) in one statement:
// `… WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE` on PostgreSQL, so that two batches
// over overlapping launches lock them in the same order and never deadlock. A launch
// without counters gets them from its rows first (then it is locked after the others:
// a deadlock is then possible, and retried); a launch not found is left out.
func lockLaunches(ctx context.Context, tx *ent.Client, ids []int) (*lockedSeats, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	out := &lockedSeats{seats: make(map[int]*seats, len(ids))}
	want := ids
	for attempt := 0; len(want) > 0; attempt++ {
		rows, d, err := readSeatsOf(ctx, tx, []predicate.Launch{launchIDIn(want)})
		if err != nil {
			return nil, err
		}
		out.dialect = d
		for _, r := range rows {
			out.seats[r.LaunchID] = seatsOf(r)
		}
		if len(rows) == len(want) {
			break
		}
		var missing []int
		for _, id := range want {
			if out.seats[id] == nil {
				missing = append(missing, id)
			}
		}
		if attempt > 0 {
			return nil, fmt.Errorf("registration: seat counters of launches %v did not appear", missing)
		}
		if want, err = tx.Launch.Query().Where(launch.IDIn(missing...)).Order(launch.ByID()).IDs(ctx); err != nil {
			return nil, fmt.Errorf("registration: find launches: %w", err)
		}
		for _, id := range want {
			if _, err := writeSeats(ctx, tx, id, false); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// launchIDIn matches the launches ids (one statement text whatever their number on
// PostgreSQL).
func launchIDIn(ids []int) predicate.Launch {
	return func(s *entsql.Selector) { s.Where(store.InInts(s.Dialect(), s.C(launch.FieldID), ids)) }
}

// noSuchLaunch is the error of a launch that does not exist (or that the caller may not see).
func noSuchLaunch() error {
	return &apperr.Error{Code: apperr.NotFound, Field: "launchId", Message: "no such launch"}
}

// save writes back, in one statement, the counters of the launches whose counts changed,
// and inserts l.keys in the same statement (a data-modifying WITH on PostgreSQL). On
// PostgreSQL each column is set from an array parameter indexed by the row's position in
// the array of ids (one statement text whatever their number), on SQLite by CASE.
func (l *lockedSeats) save(ctx context.Context, tx *ent.Client) error {
	var changed []*seats
	for _, st := range l.seats {
		if st.counts != st.saved || st.tailAt != st.savedT {
			changed = append(changed, st)
		}
	}
	keys := l.keys
	l.keys = nil
	if len(changed) == 0 {
		if keys != nil {
			return keys.insert(ctx, tx)
		}
		return nil
	}
	slices.SortFunc(changed, func(a, b *seats) int { return cmp.Compare(a.counterID, b.counterID) })
	ids := make([]int, len(changed))
	for i, st := range changed {
		ids[i] = st.counterID
	}
	err := tx.SeatCount.Update().
		Where(func(s *entsql.Selector) { s.Where(store.InInts(s.Dialect(), s.C(seatcount.FieldID), ids)) }).
		SetConfirmed(0). // replaced below: an update needs a field of its own
		Modify(func(u *entsql.UpdateBuilder) {
			setSeats(u, l.dialect, changed)
			if keys != nil {
				u.Prefix(keys.insertCTE())
			}
		}).
		Exec(privacy.DecisionContext(ctx, privacy.Allow))
	if keys != nil && uniqueViolation(err, idemKeyIndex) {
		return duplicateError{err: err}
	}
	if err != nil {
		return fmt.Errorf("registration: save seat counts: %w", err)
	}
	for _, st := range changed {
		st.saved, st.savedT = st.counts, st.tailAt
	}
	return nil
}

// setSeats sets the counters of sts, each row to its own values.
func setSeats(u *entsql.UpdateBuilder, dialectName string, sts []*seats) {
	column := func(name string, value func(*seats) any) {
		vals := make([]any, len(sts))
		for i, st := range sts {
			vals[i] = value(st)
		}
		u.Set(name, seatValue(dialectName, name, sts, vals))
	}
	column(seatcount.FieldConfirmed, func(st *seats) any { return st.counts.Confirmed })
	column(seatcount.FieldPending, func(st *seats) any { return st.counts.Pending })
	column(seatcount.FieldWaitlisted, func(st *seats) any { return st.counts.Waitlisted })
	column(seatcount.FieldWaitlistTailAt, func(st *seats) any {
		if st.tailAt == nil {
			return nil
		}
		return *st.tailAt
	})
}

// seatValue is the expression giving each row of sts its value of vals.
func seatValue(dialectName, name string, sts []*seats, vals []any) entsql.Querier {
	return entsql.ExprFunc(func(b *entsql.Builder) {
		if dialectName == dialect.Postgres {
			ids := make([]int64, len(sts))
			for i, st := range sts {
				ids[i] = int64(st.counterID)
			}
			pos := func(b *entsql.Builder) {
				b.WriteString("[array_position(").Arg(pq.Array(ids)).WriteString("::bigint[], ").Ident(seatcount.FieldID).WriteString(")]")
			}
			if name == seatcount.FieldWaitlistTailAt {
				tails := make([]string, len(vals)) // "" is NULL
				for i, v := range vals {
					if t, ok := v.(time.Time); ok {
						tails[i] = t.UTC().Format(time.RFC3339Nano)
					}
				}
				b.WriteString("NULLIF((").Arg(pq.Array(tails)).WriteString("::text[])")
				pos(b)
				b.WriteString(", '')::timestamptz")
				return
			}
			ns := make([]int64, len(vals))
			for i, v := range vals {
				ns[i] = int64(v.(int))
			}
			b.WriteString("(").Arg(pq.Array(ns)).WriteString("::bigint[])")
			pos(b)
			return
		}
		b.WriteString("CASE ").Ident(seatcount.FieldID)
		for i, st := range sts {
			b.WriteString(" WHEN ").Arg(st.counterID).WriteString(" THEN ").Arg(vals[i])
		}
		b.WriteString(" END")
	})
}

func seatsOf(r seatRow) *seats {
	st := &seats{
		launchID:  r.LaunchID,
		counterID: r.CounterID,
		state: LaunchState{
			Status:           launch.Status(r.Status),
			EndsAt:           r.EndsAt.Time,
			OpensAt:          r.OpensAt.ptr(),
			ClosesAt:         r.ClosesAt.ptr(),
			Capacity:         r.Capacity,
			WaitlistEnabled:  bool(r.WaitlistEnabled),
			RequiresApproval: bool(r.RequiresApproval),
		},
		publicVisible: bool(r.PublicVisible),
		counts:        Counts{Confirmed: r.Confirmed, Pending: r.Pending, Waitlisted: r.Waitlisted},
		tailAt:        r.TailAt.ptr(),
	}
	st.saved, st.savedT = st.counts, st.tailAt
	return st
}

// waitlistCreatedAt returns the created_at of a new waitlisted registrant at now: now, or
// just after the waitlist's tail when a server's clock is behind it, so that created_at
// order stays waitlist order.
func (st *seats) waitlistCreatedAt(now time.Time) time.Time {
	at := now.Truncate(time.Microsecond) // what PostgreSQL keeps
	if st.tailAt != nil && !at.After(*st.tailAt) {
		at = st.tailAt.Add(time.Microsecond)
	}
	st.tailAt = &at
	return at
}

// leave takes a registrant of status from off the counts (cancelled or rejected).
func (st *seats) leave(status registrant.Status) { st.counts.Add(status, -1) }

// save writes the counters back when they changed.
func (st *seats) save(ctx context.Context, tx *ent.Client) error {
	if st.counts == st.saved && st.tailAt == st.savedT {
		return nil
	}
	upd := tx.SeatCount.Update().Where(seatcount.ID(st.counterID)).
		SetConfirmed(st.counts.Confirmed).SetPending(st.counts.Pending).SetWaitlisted(st.counts.Waitlisted).
		SetNillableWaitlistTailAt(st.tailAt)
	if err := upd.Exec(privacy.DecisionContext(ctx, privacy.Allow)); err != nil {
		return fmt.Errorf("registration: save seat counts: %w", err)
	}
	st.saved, st.savedT = st.counts, st.tailAt
	return nil
}

// writeSeats computes the whole-launch counters of launch launchID from its registrant rows
// and returns them. It creates the counters when they are missing; overwrite also replaces
// existing ones, which must then be locked (RepairSeats). Without overwrite an existing row
// is left alone: a concurrent creator's counters, committed or about to be, are right,
// and these (read from a snapshot that may predate its registrations) might not be.
func writeSeats(ctx context.Context, tx *ent.Client, launchID int, overwrite bool) (Counts, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	c, err := countLive(ctx, tx, launchID)
	if err != nil {
		return Counts{}, err
	}
	tail, err := tx.Registrant.Query().
		Where(registrant.LaunchID(launchID), registrant.StatusEQ(registrant.StatusWAITLISTED)).
		Order(ent.Desc(registrant.FieldCreatedAt)).Select(registrant.FieldCreatedAt).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return Counts{}, fmt.Errorf("registration: read waitlist tail: %w", err)
	}
	create := tx.SeatCount.Create().SetLaunchID(launchID).SetCategory(wholeLaunch).
		SetConfirmed(c.Confirmed).SetPending(c.Pending).SetWaitlisted(c.Waitlisted)
	if tail != nil {
		create.SetWaitlistTailAt(tail.CreatedAt)
	}
	upsert := create.OnConflictColumns(seatcount.FieldLaunchID, seatcount.FieldCategory)
	if overwrite {
		err = upsert.UpdateNewValues().Exec(ctx)
	} else {
		err = upsert.DoNothing().Exec(ctx)
		if ent.IsNotFound(err) || errors.Is(err, sql.ErrNoRows) {
			err = nil // DO NOTHING: the row was there
		}
	}
	if err != nil {
		return Counts{}, fmt.Errorf("registration: write seat counts: %w", err)
	}
	return c, nil
}

// Drift is a launch whose counters did not match its registrants, found by RepairSeats.
type Drift struct {
	LaunchID        int
	Counted, Stored Counts
}

// RepairSeats recomputes the seat counters of every launch from its registrant rows, each
// launch locked in a transaction of its own (registrations may go on meanwhile), and
// returns the launches whose counters were wrong. The counters are kept right by the
// service; this is the repair path after registrants were written around it (bulk loads,
// hand-made SQL).
func (s *Service) RepairSeats(ctx context.Context) ([]Drift, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	ids, err := s.client.Launch.Query().IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("registration: list launches: %w", err)
	}
	var drifts []Drift
	for _, id := range ids {
		err := s.run(ctx, func(ctx context.Context, tx *ent.Client) error {
			st, err := lockSeats(ctx, tx, launch.ID(id))
			if err != nil {
				return err
			}
			c, err := writeSeats(ctx, tx, id, true)
			if err == nil && c != st.counts {
				drifts = append(drifts, Drift{LaunchID: id, Counted: c, Stored: st.counts})
			}
			return err
		})
		if apperr.CodeOf(err) == apperr.NotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return drifts, err
		}
	}
	return drifts, nil
}

// Seats returns the seat counts of l from its counters (from its rows when it has none
// yet). Anyone who can see the launch may see its seats, so the read bypasses the
// registrant policies.
func (s *Service) Seats(ctx context.Context, l *ent.Launch) (*Seats, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	client := s.clientFrom(ctx)
	var counts Counts
	sc, err := client.SeatCount.Query().
		Where(seatcount.LaunchID(l.ID), seatcount.Category(wholeLaunch)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		if counts, err = countLive(ctx, client, l.ID); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("registration: read seat counts: %w", err)
	default:
		counts = Counts{Confirmed: sc.Confirmed, Pending: sc.Pending, Waitlisted: sc.Waitlisted}
	}
	out := &Seats{LaunchID: l.ID, Capacity: l.Capacity, Confirmed: counts.Confirmed, Pending: counts.Pending, Waitlisted: counts.Waitlisted}
	if l.Capacity != nil {
		free := FreeSeats(l.Capacity, counts)
		out.Remaining = &free
	}
	return out, nil
}

// countLive counts the live registrants of a launch by status in one grouped query: the
// repair formula of the counters.
func countLive(ctx context.Context, client *ent.Client, launchID int) (Counts, error) {
	var rows []struct {
		Status string `json:"status"`
		N      int    `json:"n"`
	}
	err := client.Registrant.Query().
		Where(registrant.LaunchID(launchID), registrant.StatusIn(
			registrant.StatusCONFIRMED, registrant.StatusPENDING, registrant.StatusWAITLISTED)).
		Modify(func(s *entsql.Selector) {
			status := s.C(registrant.FieldStatus)
			s.Select(status).AppendSelectExprAs(entsql.Raw("COUNT(*)"), "n").GroupBy(status)
		}).
		Scan(ctx, &rows)
	if err != nil {
		return Counts{}, fmt.Errorf("registration: count registrants: %w", err)
	}
	var c Counts
	for _, r := range rows {
		c.Add(registrant.Status(r.Status), r.N)
	}
	return c, nil
}
