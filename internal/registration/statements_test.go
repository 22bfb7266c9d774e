package registration_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"launchgraph/internal/registration"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// statements counts the SQL statements a store runs (transaction begins and commits apart).
type statements struct {
	mu  sync.Mutex
	sql []string
}

func (s *statements) wrap(c *store.Config) {
	c.WrapDriver = func(d dialect.Driver) dialect.Driver {
		return dialect.DebugWithContext(d, func(_ context.Context, args ...any) {
			line := fmt.Sprint(args...)
			if strings.Contains(line, ".Query: ") || strings.Contains(line, ".Exec: ") {
				s.mu.Lock()
				s.sql = append(s.sql, line)
				s.mu.Unlock()
			}
		})
	}
}

func (s *statements) reset() { s.mu.Lock(); s.sql = nil; s.mu.Unlock() }
func (s *statements) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sql)
}

// TestRegisterStatements: a registration with an idempotency key is five statements in
// its transaction — lock and read the launch and its counters, look up the address and the
// key, insert the registrant, insert the key, save the counters (six with an outbox: its
// notification) — and a batch of any size, over one launch or several, is the same five,
// not five per registration or per launch (TestBatchOverLaunchesStatements asserts one
// batch over five launches exactly).
func TestRegisterStatements(t *testing.T) {
	var st statements
	db := storetest.Postgres(t, st.wrap)
	f := newFixture(t, db)
	l := f.launch(t, capacity(100), waitlist)
	f.register(t, l.ID, "warm@example.org") // creates the counters

	in := input(l.ID, "one@example.org")
	in.IdempotencyKey = ptr("statements-key-0123456789")
	st.reset()
	if _, err := f.svc.Register(publicCtx(), in); err != nil {
		t.Fatal(err)
	}
	if n := st.count(); n != 5 {
		t.Errorf("one registration: %d statements, want 5:\n%s", n, strings.Join(st.sql, "\n"))
	}

	// Batches: 20 requests over 4 launches, decided and committed together.
	others := []int{l.ID}
	for range 3 {
		o := f.launch(t, capacity(100), waitlist)
		f.register(t, o.ID, "warm@example.org")
		others = append(others, o.ID)
	}
	svc := registration.NewService(db.Client, registration.WithMaxBatch(64))
	st.reset()
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
	if n := st.count(); n%5 != 0 || n >= 5*20 {
		t.Errorf("20 registrations: %d statements, want 5 per batch and fewer than 20 batches:\n%s", n, strings.Join(st.sql, "\n"))
	}
	t.Logf("20 registrations in %d statements (%d batches)", st.count(), st.count()/5)
	invariants(t, db.Client, l)
}
