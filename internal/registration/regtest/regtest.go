// Package regtest checks what every registration test must find true of a launch after a
// scenario: capacity respected, nobody waiting while a seat is free, waitlist positions
// 1..n in created_at order, one live registration per address, and the seat counters equal
// to the registrant rows.
package regtest

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/ent/seatcount"
	"launchgraph/internal/registration"
)

// Invariants reads the launch's registrants and its seat counters in one snapshot and
// checks: seats taken ≤ capacity, nobody waits while a seat is free, waitlist positions are
// exactly 1..n and follow created_at order strictly, only waitlisted registrants have a
// position, one live registration per address, and the counters equal the rows.
func Invariants(tb testing.TB, db *ent.Client, l *ent.Launch) registration.Counts {
	tb.Helper()
	// One snapshot for both reads: REPEATABLE READ on PostgreSQL; a transaction of its
	// own on SQLite (which serialises it with the writers).
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		tx, err = db.Tx(context.Background())
	}
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	defer func() { _ = tx.Rollback() }()
	client := tx.Client()
	var rows []struct {
		Status    string    `json:"status"`
		Position  *int      `json:"waitlist_position"`
		EmailKey  string    `json:"email_key"`
		CreatedAt time.Time `json:"created_at"`
	}
	// In created_at order: the order register relies on to find the waitlist's tail.
	err = client.Registrant.Query().Where(registrant.LaunchID(l.ID)).
		Order(registrant.ByCreatedAt(), registrant.ByID()).
		Select(registrant.FieldStatus, registrant.FieldWaitlistPosition, registrant.FieldEmailKey, registrant.FieldCreatedAt).
		Scan(context.Background(), &rows)
	if err != nil {
		tb.Fatalf("read registrants: %v", err)
	}
	var c registration.Counts
	var positions []int
	var lastWaiting time.Time
	live := map[string]bool{}
	for _, r := range rows {
		switch registrant.Status(r.Status) {
		case registrant.StatusCONFIRMED:
			c.Confirmed++
		case registrant.StatusPENDING:
			c.Pending++
		case registrant.StatusWAITLISTED:
			c.Waitlisted++
			if r.Position == nil {
				tb.Errorf("waitlisted registrant without a position")
				continue
			}
			positions = append(positions, *r.Position)
			if !r.CreatedAt.After(lastWaiting) {
				tb.Errorf("waitlisted registrants share created_at %s", r.CreatedAt)
			}
			lastWaiting = r.CreatedAt
		}
		if registrant.Status(r.Status) != registrant.StatusWAITLISTED && r.Position != nil {
			tb.Errorf("%s registrant has waitlist position %d", r.Status, *r.Position)
		}
		if registrant.Status(r.Status) != registrant.StatusCANCELLED {
			if live[r.EmailKey] {
				tb.Errorf("two live registrations for %s", r.EmailKey)
			}
			live[r.EmailKey] = true
		}
	}
	if l.Capacity != nil {
		if c.Seated() > *l.Capacity {
			tb.Errorf("%d seats taken (%d confirmed, %d pending), capacity %d", c.Seated(), c.Confirmed, c.Pending, *l.Capacity)
		}
		if c.Waitlisted > 0 && c.Seated() < *l.Capacity {
			tb.Errorf("%d waiting while %d of %d seats are taken", c.Waitlisted, c.Seated(), *l.Capacity)
		}
	}
	if !slices.IsSorted(positions) {
		tb.Errorf("waitlist positions in created_at order are %v, want increasing", positions)
	}
	slices.Sort(positions)
	for i, p := range positions {
		if p != i+1 {
			tb.Errorf("waitlist positions are %v..., want 1..%d", positions[:min(len(positions), i+3)], len(positions))
			break
		}
	}
	CountersMatch(tb, client, l, c)
	return c
}

// CountersMatch checks that the launch's seat counters equal its registrant rows, counted
// as c.
func CountersMatch(tb testing.TB, client *ent.Client, l *ent.Launch, c registration.Counts) {
	tb.Helper()
	sc, err := client.SeatCount.Query().Where(seatcount.LaunchID(l.ID), seatcount.Category("")).Only(context.Background())
	if ent.IsNotFound(err) && c == (registration.Counts{}) {
		return // no registration yet
	}
	if err != nil {
		tb.Fatalf("read seat counters: %v", err)
	}
	if got := (registration.Counts{Confirmed: sc.Confirmed, Pending: sc.Pending, Waitlisted: sc.Waitlisted}); got != c {
		tb.Errorf("seat counters %+v, rows %+v", got, c)
	}
}
