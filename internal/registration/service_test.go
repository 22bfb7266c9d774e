package registration_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/auditentry"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/opt"
	"launchgraph/internal/registration"
	"launchgraph/internal/registration/regtest"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// publicCtx and adminCtx are the contexts of an anonymous caller and an admin key.
func publicCtx() context.Context {
	return auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public})
}

func adminCtx() context.Context {
	return auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Admin, KeyID: 1, KeyName: "test-admin"})
}

// fixture is a store with one region and format to hang launches on.
type fixture struct {
	db       *store.DB
	svc      *registration.Service
	regionID int
	formatID int
	n        atomic.Int64
}

func newFixture(tb testing.TB, db *store.DB) *fixture {
	tb.Helper()
	ctx := context.Background()
	region := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
	return &fixture{db: db, svc: registration.NewService(db.Client), regionID: region.ID, formatID: format.ID}
}

// launch creates a PUBLISHED launch a month ahead, adjusted by mods.
func (f *fixture) launch(tb testing.TB, mods ...func(*ent.LaunchCreate)) *ent.Launch {
	tb.Helper()
	i := f.n.Add(1)
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	c := f.db.Client.Launch.Create().
		SetSlug(fmt.Sprintf("launch-%d", i)).SetTitle(fmt.Sprintf("Launch %d", i)).
		SetRegionID(f.regionID).SetFormatID(f.formatID).SetStatus("PUBLISHED").
		SetStartsAt(start).SetEndsAt(start.Add(6 * time.Hour)).SetTimezone("Europe/Zurich")
	for _, m := range mods {
		m(c)
	}
	return c.SaveX(context.Background())
}

func capacity(n int) func(*ent.LaunchCreate) {
	return func(c *ent.LaunchCreate) { c.SetCapacity(n) }
}

func waitlist(c *ent.LaunchCreate) { c.SetWaitlistEnabled(true) }

func input(launchID int, email string) registration.Input {
	return registration.Input{LaunchID: launchID, Name: "Person " + email, Email: email, Consent: true}
}

// register registers email and fails the test on an error.
func (f *fixture) register(tb testing.TB, launchID int, email string) *registration.Result {
	tb.Helper()
	res, err := f.svc.Register(publicCtx(), input(launchID, email))
	if err != nil {
		tb.Fatalf("register %s: %v", email, err)
	}
	return res
}

// invariants checks the launch's registrants and counters in one snapshot
// (regtest.Invariants).
func invariants(tb testing.TB, client *ent.Client, l *ent.Launch) registration.Counts {
	tb.Helper()
	return regtest.Invariants(tb, client, l)
}

// concurrently runs fn(0..n-1) over workers goroutines.
func concurrently(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// codes counts error codes ("" for success).
type codes struct {
	mu sync.Mutex
	m  map[apperr.Code]int
}

func (c *codes) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[apperr.Code]int{}
	}
	c.m[apperr.CodeOf(err)]++
}

func TestRegisterOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		l := f.launch(t, capacity(2), waitlist)

		a := f.register(t, l.ID, "a@example.org")
		b := f.register(t, l.ID, "b@example.org")
		c := f.register(t, l.ID, "c@example.org")
		d := f.register(t, l.ID, "d@example.org")
		got := []registrant.Status{a.Registrant.Status, b.Registrant.Status, c.Registrant.Status, d.Registrant.Status}
		want := []registrant.Status{"CONFIRMED", "CONFIRMED", "WAITLISTED", "WAITLISTED"}
		if !slices.Equal(got, want) {
			t.Fatalf("statuses = %v, want %v", got, want)
		}
		if *c.Registrant.WaitlistPosition != 1 || *d.Registrant.WaitlistPosition != 2 {
			t.Errorf("positions = %d, %d, want 1, 2", *c.Registrant.WaitlistPosition, *d.Registrant.WaitlistPosition)
		}

		// Same address in another case: refused; nothing written.
		_, err := f.svc.Register(publicCtx(), input(l.ID, "A@EXAMPLE.ORG"))
		if apperr.CodeOf(err) != apperr.AlreadyRegistered {
			t.Errorf("same email: %v, want ALREADY_REGISTERED", err)
		}

		// The token reads the registration and cancels it; the head of the waitlist moves up.
		r, err := f.svc.ByToken(publicCtx(), a.ManageToken)
		if err != nil || r == nil || r.ID != a.Registrant.ID || r.Email != "a@example.org" {
			t.Fatalf("ByToken = %+v, %v", r, err)
		}
		if r, err := f.svc.ByToken(publicCtx(), "not-a-token"); r != nil || err != nil {
			t.Errorf("ByToken(garbage) = %v, %v, want nil, nil", r, err)
		}
		cancelled, err := f.svc.Cancel(publicCtx(), a.ManageToken)
		if err != nil || cancelled.Status != registrant.StatusCANCELLED || cancelled.WaitlistPosition != nil {
			t.Fatalf("Cancel = %+v, %v", cancelled, err)
		}
		again, err := f.svc.Cancel(publicCtx(), a.ManageToken)
		if err != nil || again.Status != registrant.StatusCANCELLED {
			t.Errorf("second Cancel = %+v, %v, want the cancelled registrant", again, err)
		}
		promoted := db.Client.Registrant.GetX(context.Background(), c.Registrant.ID)
		moved := db.Client.Registrant.GetX(context.Background(), d.Registrant.ID)
		if promoted.Status != registrant.StatusCONFIRMED || promoted.WaitlistPosition != nil {
			t.Errorf("head of waitlist after cancel = %s %v, want CONFIRMED", promoted.Status, promoted.WaitlistPosition)
		}
		if moved.Status != registrant.StatusWAITLISTED || *moved.WaitlistPosition != 1 {
			t.Errorf("second of waitlist after cancel = %s %v, want WAITLISTED 1", moved.Status, *moved.WaitlistPosition)
		}

		// A cancelled address may register again: at the back of the queue.
		back := f.register(t, l.ID, "a@example.org")
		if back.Registrant.Status != registrant.StatusWAITLISTED || *back.Registrant.WaitlistPosition != 2 {
			t.Errorf("re-registration = %s %v, want WAITLISTED 2", back.Registrant.Status, back.Registrant.WaitlistPosition)
		}

		// A waitlisted registrant leaving renumbers those behind.
		if _, err := f.svc.Cancel(publicCtx(), d.ManageToken); err != nil {
			t.Fatal(err)
		}
		if got := db.Client.Registrant.GetX(context.Background(), back.Registrant.ID); *got.WaitlistPosition != 1 {
			t.Errorf("position after the one ahead left = %d, want 1", *got.WaitlistPosition)
		}
		if _, err := f.svc.Cancel(publicCtx(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("cancel with an unknown token: %v, want NOT_FOUND", err)
		}
		invariants(t, db.Client, l)
	})
}

func TestRegisterRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		full := f.launch(t, capacity(0))
		closed := f.launch(t, func(c *ent.LaunchCreate) { c.SetRegistrationClosesAt(time.Now().Add(-time.Hour)) })
		draft := f.launch(t, func(c *ent.LaunchCreate) { c.SetStatus("DRAFT") })
		approval := f.launch(t, capacity(1), waitlist, func(c *ent.LaunchCreate) { c.SetRequiresApproval(true) })
		tests := []struct {
			name     string
			ctx      context.Context
			in       registration.Input
			wantCode apperr.Code
		}{
			{"full", publicCtx(), input(full.ID, "x@example.org"), apperr.LaunchFull},
			{"closed", publicCtx(), input(closed.ID, "x@example.org"), apperr.RegistrationClosed},
			{"draft hidden from the public", publicCtx(), input(draft.ID, "x@example.org"), apperr.NotFound},
			{"draft closed for an admin", adminCtx(), input(draft.ID, "x@example.org"), apperr.RegistrationClosed},
			{"no such launch", publicCtx(), input(1<<40, "x@example.org"), apperr.NotFound},
			{"bad email", publicCtx(), input(full.ID, "nope"), apperr.BadUserInput},
			{"no consent", publicCtx(), func() registration.Input { in := input(full.ID, "x@example.org"); in.Consent = false; return in }(), apperr.ConsentRequired},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := f.svc.Register(tt.ctx, tt.in)
				if apperr.CodeOf(err) != tt.wantCode {
					t.Errorf("Register = %+v, %v; want %s", res, err, tt.wantCode)
				}
			})
		}
		if n := db.Client.Registrant.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("%d registrants written by failed calls", n)
		}

		// Approval: pending holds the seat, the next waits; rejecting promotes to PENDING.
		p := f.register(t, approval.ID, "p@example.org")
		w := f.register(t, approval.ID, "w@example.org")
		if p.Registrant.Status != registrant.StatusPENDING || w.Registrant.Status != registrant.StatusWAITLISTED {
			t.Fatalf("approval launch: %s, %s; want PENDING, WAITLISTED", p.Registrant.Status, w.Registrant.Status)
		}
		if _, err := f.svc.Approve(publicCtx(), p.Registrant.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("public approve: %v, want FORBIDDEN", err)
		}
		if _, err := f.svc.CheckIn(adminCtx(), p.Registrant.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("check in pending: %v, want CONFLICT", err)
		}
		rejected, err := f.svc.Reject(adminCtx(), p.Registrant.ID, ptr("  duplicate  "))
		if err != nil || rejected.Status != registrant.StatusREJECTED || opt.Val(rejected.RejectionReason) != "duplicate" {
			t.Fatalf("Reject = %+v, %v", rejected, err)
		}
		if _, err := f.svc.Reject(adminCtx(), p.Registrant.ID, nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("reject twice: %v, want CONFLICT", err)
		}
		if _, err := f.svc.Cancel(publicCtx(), p.ManageToken); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("cancel rejected: %v, want CONFLICT", err)
		}
		if _, err := f.svc.Register(publicCtx(), input(approval.ID, "P@example.org")); apperr.CodeOf(err) != apperr.AlreadyRegistered {
			t.Errorf("rejected address registers again: %v, want ALREADY_REGISTERED", err)
		}
		promoted := db.Client.Registrant.GetX(context.Background(), w.Registrant.ID)
		if promoted.Status != registrant.StatusPENDING {
			t.Fatalf("after reject the waitlisted is %s, want PENDING", promoted.Status)
		}
		approved, err := f.svc.Approve(adminCtx(), promoted.ID)
		if err != nil || approved.Status != registrant.StatusCONFIRMED {
			t.Fatalf("Approve = %+v, %v", approved, err)
		}
		if _, err := f.svc.Approve(adminCtx(), promoted.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("approve twice: %v, want CONFLICT", err)
		}
		in, err := f.svc.CheckIn(adminCtx(), promoted.ID)
		if err != nil || in.CheckedInAt == nil {
			t.Fatalf("CheckIn = %+v, %v", in, err)
		}
		again, err := f.svc.CheckIn(adminCtx(), promoted.ID)
		if err != nil || !again.CheckedInAt.Equal(*in.CheckedInAt) {
			t.Errorf("second CheckIn = %+v, %v, want the first time kept", again, err)
		}
		if _, err := f.svc.Approve(adminCtx(), 1<<40); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("approve unknown: %v, want NOT_FOUND", err)
		}
		// Each admin decision is audited once, under the admin's key.
		for _, id := range []int{p.Registrant.ID, promoted.ID} {
			n := db.Client.AuditEntry.Query().Where(auditentry.EntityType("Registrant"), auditentry.EntityID(id)).CountX(context.Background())
			if n == 0 {
				t.Errorf("registrant %d: no audit entry", id)
			}
		}
		invariants(t, db.Client, approval)
	})
}

func TestCapacityChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		l := f.launch(t, capacity(1), waitlist)
		for i := range 4 {
			f.register(t, l.ID, fmt.Sprintf("p%d@example.org", i))
		}
		ctx := context.Background()
		err := db.Client.Launch.UpdateOne(l).SetCapacity(0).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CheckCapacity(ctx, db.Client, l.ID, ptr(0)); apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("CheckCapacity(0) = %v, want BAD_USER_INPUT", err)
		}
		tx, err := db.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CheckCapacity(ctx, tx.Client(), l.ID, ptr(3)); err != nil {
			t.Fatalf("CheckCapacity(3) = %v", err)
		}
		tx.Launch.UpdateOneID(l.ID).SetCapacity(3).ExecX(ctx)
		promoted, err := f.svc.Rebalance(ctx, tx.Client(), l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if len(promoted) != 2 || promoted[0].Status != registrant.StatusCONFIRMED {
			t.Errorf("promoted = %+v, want 2 CONFIRMED", promoted)
		}
		l = db.Client.Launch.GetX(ctx, l.ID)
		if got := invariants(t, db.Client, l); got != (registration.Counts{Confirmed: 3, Waitlisted: 1}) {
			t.Errorf("counts = %+v, want 3 confirmed, 1 waitlisted", got)
		}
		seats, err := f.svc.Seats(publicCtx(), l)
		if err != nil || *seats.Remaining != 0 || seats.Waitlisted != 1 || *seats.Capacity != 3 {
			t.Errorf("Seats = %+v, %v", seats, err)
		}
	})
}

func TestIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		l := f.launch(t)
		in := input(l.ID, "idem@example.org")
		in.IdempotencyKey = ptr("4f1c2a8e-5b0d-4d3e-9a77-0c1b2d3e4f50")
		first, err := f.svc.Register(publicCtx(), in)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.Register(publicCtx(), in)
		if err != nil || second.Registrant.ID != first.Registrant.ID || second.ManageToken != first.ManageToken {
			t.Fatalf("replay = %+v, %v; want id %d and the same token", second, err, first.Registrant.ID)
		}
		other := in
		other.Name = "Someone Else"
		if _, err := f.svc.Register(publicCtx(), other); apperr.CodeOf(err) != apperr.IdempotencyKeyReused {
			t.Errorf("other input: %v, want IDEMPOTENCY_KEY_REUSED", err)
		}
		if n := db.Client.Registrant.Query().CountX(context.Background()); n != 1 {
			t.Errorf("%d registrants, want 1", n)
		}
	})
}

// scale sizes a concurrency scenario per dialect: SQLite serialises every writer of the
// file, so it gets the smaller version.
type scale struct{ capacity, calls, workers, repeats int }

func TestConcurrentCapacity(t *testing.T) {
	// The repeats run at the same time, each on its own launch: as independent as one after
	// the other, with more contention on the shared tables, and the commits of different
	// launches share WAL flushes, which keeps the test short.
	run := func(t *testing.T, db *store.DB, s scale) {
		f := newFixture(t, db)
		var wg sync.WaitGroup
		for rep := range s.repeats {
			l := f.launch(t, capacity(s.capacity), waitlist)
			wg.Go(func() {
				var errs codes
				concurrently(s.calls, s.workers, func(i int) {
					_, err := f.svc.Register(publicCtx(), input(l.ID, fmt.Sprintf("r%d-%d@example.org", rep, i)))
					errs.add(err)
				})
				if errs.m[""] != s.calls {
					t.Errorf("repeat %d: outcomes %v, want %d successes", rep, errs.m, s.calls)
				}
				got := invariants(t, db.Client, l)
				want := registration.Counts{Confirmed: s.capacity, Waitlisted: s.calls - s.capacity}
				if got != want {
					t.Errorf("repeat %d: counts %+v, want %+v", rep, got, want)
				}
			})
		}
		wg.Wait()
	}
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.SQLite(t), scale{10, 100, 10, 1}) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.Postgres(t), scale{100, 1000, 50, 5}) })
}

func TestConcurrentLastSeat(t *testing.T) {
	run := func(t *testing.T, db *store.DB, calls int) {
		f := newFixture(t, db)
		l := f.launch(t, capacity(1))
		var errs codes
		concurrently(calls, calls, func(i int) {
			_, err := f.svc.Register(publicCtx(), input(l.ID, fmt.Sprintf("s%d@example.org", i)))
			errs.add(err)
		})
		if errs.m[""] != 1 || errs.m[apperr.LaunchFull] != calls-1 {
			t.Errorf("outcomes %v, want 1 success and %d LAUNCH_FULL", errs.m, calls-1)
		}
		if got := invariants(t, db.Client, l); got.Confirmed != 1 {
			t.Errorf("confirmed = %d, want 1", got.Confirmed)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.SQLite(t), 50) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.Postgres(t), 200) })
}

func TestConcurrentSameEmail(t *testing.T) {
	run := func(t *testing.T, db *store.DB, calls int) {
		f := newFixture(t, db)
		l := f.launch(t)
		var errs codes
		concurrently(calls, calls, func(int) {
			_, err := f.svc.Register(publicCtx(), input(l.ID, "Same@Example.org"))
			errs.add(err)
		})
		if errs.m[""] != 1 || errs.m[apperr.AlreadyRegistered] != calls-1 {
			t.Errorf("outcomes %v, want 1 success and %d ALREADY_REGISTERED", errs.m, calls-1)
		}
		if n := db.Client.Registrant.Query().Where(registrant.LaunchID(l.ID)).CountX(context.Background()); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.SQLite(t), 20) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.Postgres(t), 50) })
}

func TestConcurrentIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		l := f.launch(t, capacity(5))
		in := input(l.ID, "key@example.org")
		in.IdempotencyKey = ptr("c0ffee00-1234-4abc-8def-0123456789ab")
		const calls = 20
		results := make([]*registration.Result, calls)
		var errs codes
		concurrently(calls, calls, func(i int) {
			res, err := f.svc.Register(publicCtx(), in)
			results[i] = res
			errs.add(err)
		})
		if errs.m[""] != calls {
			t.Fatalf("outcomes %v, want %d successes", errs.m, calls)
		}
		for _, r := range results[1:] {
			if r.Registrant.ID != results[0].Registrant.ID || r.ManageToken != results[0].ManageToken ||
				r.Registrant.Status != results[0].Registrant.Status {
				t.Errorf("response %+v differs from %+v", r, results[0])
			}
		}
		if n := db.Client.Registrant.Query().CountX(context.Background()); n != 1 {
			t.Errorf("%d registrants, want 1", n)
		}
		if n := db.Client.IdempotencyKey.Query().CountX(context.Background()); n != 1 {
			t.Errorf("%d idempotency keys, want 1", n)
		}
	})
}

// TestConcurrentCancelAndRegister cancels 10 confirmed registrants while 10 new ones
// arrive, and checks the invariants on every snapshot a watcher can see meanwhile.
func TestConcurrentCancelAndRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		l := f.launch(t, capacity(10), waitlist)
		var tokens []string
		for i := range 15 { // 10 confirmed, 5 waiting
			tokens = append(tokens, f.register(t, l.ID, fmt.Sprintf("old%d@example.org", i)).ManageToken)
		}
		done := make(chan struct{})
		var watched atomic.Int64
		var watcher sync.WaitGroup
		watcher.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				invariants(t, db.Client, l)
				watched.Add(1)
			}
		})
		var errs codes
		concurrently(20, 20, func(i int) {
			var err error
			if i%2 == 0 {
				_, err = f.svc.Cancel(publicCtx(), tokens[i/2])
			} else {
				_, err = f.svc.Register(publicCtx(), input(l.ID, fmt.Sprintf("new%d@example.org", i)))
			}
			errs.add(err)
		})
		close(done)
		watcher.Wait()
		if errs.m[""] != 20 {
			t.Errorf("outcomes %v, want 20 successes", errs.m)
		}
		got := invariants(t, db.Client, l)
		if want := (registration.Counts{Confirmed: 10, Waitlisted: 5}); got != want {
			t.Errorf("counts = %+v, want %+v", got, want)
		}
		t.Logf("%d consistent snapshots observed", watched.Load())
	})
}

// TestWaitlistOrderSurvivesClockSkew registers through two services whose clocks disagree
// by an hour, as two servers might: the waitlist stays in order and contiguous.
func TestWaitlistOrderSurvivesClockSkew(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		l := f.launch(t, capacity(1), waitlist)
		now := time.Now()
		ahead := registration.NewService(db.Client, registration.WithClock(func() time.Time { return now.Add(time.Hour) }))
		behind := registration.NewService(db.Client, registration.WithClock(func() time.Time { return now }))
		for i, svc := range []*registration.Service{ahead, ahead, behind, ahead, behind} {
			res, err := svc.Register(publicCtx(), input(l.ID, fmt.Sprintf("skew%d@example.org", i)))
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 && *res.Registrant.WaitlistPosition != i {
				t.Errorf("registration %d: position %d, want %d", i, *res.Registrant.WaitlistPosition, i)
			}
		}
		if got := invariants(t, db.Client, l); got.Waitlisted != 4 {
			t.Errorf("waitlisted = %d, want 4", got.Waitlisted)
		}
	})
}
