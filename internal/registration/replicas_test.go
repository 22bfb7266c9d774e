package registration_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/registration"
	"launchgraph/internal/store/storetest"
)

// replicas are two registration services, each over its own store (connection pool and
// batcher), on one PostgreSQL database: two servers of one deployment. Call i goes to
// replica i%2.
type replicas struct {
	*fixture
	svcs [2]*registration.Service
}

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	db1, db2 := storetest.PostgresPair(t)
	return &replicas{fixture: newFixture(t, db1),
		svcs: [2]*registration.Service{registration.NewService(db1.Client), registration.NewService(db2.Client)}}
}

func (r *replicas) svc(i int) *registration.Service { return r.svcs[i%2] }

// TestTwoServersCapacity: 1,000 calls for 100 seats from 50 workers through two servers:
// exactly 100 confirmed, the waitlist 1..900, counters equal to the rows (5 launches at once).
func TestTwoServersCapacity(t *testing.T) {
	r := newReplicas(t)
	var wg sync.WaitGroup
	for rep := range 5 {
		l := r.launch(t, capacity(100), waitlist)
		wg.Go(func() {
			var errs codes
			concurrently(1000, 50, func(i int) {
				_, err := r.svc(i).Register(publicCtx(), input(l.ID, fmt.Sprintf("r%d-%d@example.org", rep, i)))
				errs.add(err)
			})
			if errs.m[""] != 1000 {
				t.Errorf("repeat %d: outcomes %v, want 1000 successes", rep, errs.m)
			}
			if got, want := invariants(t, r.db.Client, l), (registration.Counts{Confirmed: 100, Waitlisted: 900}); got != want {
				t.Errorf("repeat %d: counts %+v, want %+v", rep, got, want)
			}
		})
	}
	wg.Wait()
}

// TestTwoServersLastSeat: 200 calls for the last seat through two servers: one wins.
func TestTwoServersLastSeat(t *testing.T) {
	r := newReplicas(t)
	l := r.launch(t, capacity(1))
	var errs codes
	concurrently(200, 200, func(i int) {
		_, err := r.svc(i).Register(publicCtx(), input(l.ID, fmt.Sprintf("s%d@example.org", i)))
		errs.add(err)
	})
	if errs.m[""] != 1 || errs.m[apperr.LaunchFull] != 199 {
		t.Errorf("outcomes %v, want 1 success and 199 LAUNCH_FULL", errs.m)
	}
	if got := invariants(t, r.db.Client, l); got.Confirmed != 1 {
		t.Errorf("confirmed = %d, want 1", got.Confirmed)
	}
}

// TestTwoServersSameEmail: 50 calls with one address through two servers: one registers.
func TestTwoServersSameEmail(t *testing.T) {
	r := newReplicas(t)
	l := r.launch(t)
	var errs codes
	concurrently(50, 50, func(i int) {
		_, err := r.svc(i).Register(publicCtx(), input(l.ID, "Same@Example.org"))
		errs.add(err)
	})
	if errs.m[""] != 1 || errs.m[apperr.AlreadyRegistered] != 49 {
		t.Errorf("outcomes %v, want 1 success and 49 ALREADY_REGISTERED", errs.m)
	}
	if n := r.db.Client.Registrant.Query().Where(registrant.LaunchID(l.ID)).CountX(context.Background()); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
	invariants(t, r.db.Client, l)
}

// TestTwoServersSameKey: 20 calls with one idempotency key through two servers: one
// registration, one key, the same answer for all.
func TestTwoServersSameKey(t *testing.T) {
	r := newReplicas(t)
	l := r.launch(t, capacity(5))
	in := input(l.ID, "key@example.org")
	in.IdempotencyKey = ptr("c0ffee00-1234-4abc-8def-0123456789ab")
	results := make([]*registration.Result, 20)
	var errs codes
	concurrently(20, 20, func(i int) {
		res, err := r.svc(i).Register(publicCtx(), in)
		results[i] = res
		errs.add(err)
	})
	if errs.m[""] != 20 {
		t.Fatalf("outcomes %v, want 20 successes", errs.m)
	}
	for _, res := range results[1:] {
		if res.Registrant.ID != results[0].Registrant.ID || res.ManageToken != results[0].ManageToken {
			t.Errorf("response %+v differs from %+v", res, results[0])
		}
	}
	if n := r.db.Client.Registrant.Query().CountX(context.Background()); n != 1 {
		t.Errorf("%d registrants, want 1", n)
	}
	if n := r.db.Client.IdempotencyKey.Query().CountX(context.Background()); n != 1 {
		t.Errorf("%d idempotency keys, want 1", n)
	}
	invariants(t, r.db.Client, l)
}

// TestTwoServersCancelAndRegister: 10 cancellations race 10 registrations through two
// servers; a watcher checks every snapshot it sees.
func TestTwoServersCancelAndRegister(t *testing.T) {
	r := newReplicas(t)
	l := r.launch(t, capacity(10), waitlist)
	var tokens []string
	for i := range 15 {
		tokens = append(tokens, r.register(t, l.ID, fmt.Sprintf("old%d@example.org", i)).ManageToken)
	}
	done := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			invariants(t, r.db.Client, l)
		}
	})
	var errs codes
	concurrently(20, 20, func(i int) {
		var err error
		if i%2 == 0 {
			_, err = r.svc(i/2).Cancel(publicCtx(), tokens[i/2])
		} else {
			_, err = r.svc(i).Register(publicCtx(), input(l.ID, fmt.Sprintf("new%d@example.org", i)))
		}
		errs.add(err)
	})
	close(done)
	watcher.Wait()
	if errs.m[""] != 20 {
		t.Errorf("outcomes %v, want 20 successes", errs.m)
	}
	if got, want := invariants(t, r.db.Client, l), (registration.Counts{Confirmed: 10, Waitlisted: 5}); got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
}
