package registration_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"launchgraph/internal/registration"
	"launchgraph/internal/store/storetest"
)

// TestRegisterStatements: a registration with an idempotency key is five statements in
// its transaction — lock and read the launch and its counters, look up the address and the
// key, insert the registrant, insert the key, save the counters (six with an outbox: its
// notification) — and a batch of any size, over one launch or several, is the same five,
// not five per registration or per launch (TestBatchOverLaunchesStatements asserts one
// batch over five launches exactly).
func TestRegisterStatements(t *testing.T) {
	var st storetest.SQLLog
	db := storetest.Postgres(t, st.Wrap)
	f := newFixture(t, db)
	l := f.launch(t, capacity(100), waitlist)
	f.register(t, l.ID, "warm@example.org") // creates the counters

	in := input(l.ID, "one@example.org")
	in.IdempotencyKey = ptr("statements-key-0123456789")
	st.Take()
	if _, err := f.svc.Register(publicCtx(), in); err != nil {
		t.Fatal(err)
	}
	sql := st.Take()
	if len(sql) != 5 {
		t.Errorf("one registration: %d statements, want 5:\n%s", len(sql), strings.Join(sql, "\n"))
	}
	lookUpLiteral(t, sql)

	// Batches: 20 requests over 4 launches, decided and committed together.
	others := []int{l.ID}
	for range 3 {
		o := f.launch(t, capacity(100), waitlist)
		f.register(t, o.ID, "warm@example.org")
		others = append(others, o.ID)
	}
	svc := registration.NewService(db.Client, registration.WithMaxBatch(64))
	st.Take()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			in := input(others[i%4], fmt.Sprintf("b%02d@example.org", i))
			in.IdempotencyKey = ptr(fmt.Sprintf("statements-batch-%02d-0123456789", i))
			if _, err := svc.Register(publicCtx(), in); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// However the 20 fell into batches (they arrive together: fewer than 20), each batch
	// is 5 statements.
	sql = st.Take()
	if n := len(sql); n%5 != 0 || n >= 5*20 {
		t.Errorf("20 registrations: %d statements, want 5 per batch and fewer than 20 batches:\n%s", n, strings.Join(sql, "\n"))
	}
	t.Logf("20 registrations in %d statements (%d batches)", len(sql), len(sql)/5)
	invariants(t, db.Client, l)
}

// lookUpLiteral checks that the look-up of addresses and keys names the live statuses as
// a literal, the predicate of the partial unique index (launch_id, email_key), not as a
// parameter, with which the generic plan of the cached statement cannot use that index.
func lookUpLiteral(t *testing.T, sql []string) {
	t.Helper()
	for _, q := range sql {
		if !strings.Contains(q, "UNION ALL") {
			continue
		}
		if !strings.Contains(q, `"registrants"."status" <> 'CANCELLED'`) || strings.Contains(q, "CANCELLED]") ||
			strings.Contains(q, "CANCELLED ") {
			t.Errorf("look-up without the literal status filter:\n%s", q)
		}
		return
	}
	t.Errorf("no look-up statement among:\n%s", strings.Join(sql, "\n"))
}
