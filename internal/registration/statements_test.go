package registration_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"launchgraph/ent/idempotencykey"
	"launchgraph/ent/privacy"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestRegisterStatements: a registration with an idempotency key is four statements in
// its transaction on PostgreSQL — lock and read the launch and its counters, look up the
// address and the key, insert the registrant, insert the key and save the counters in one
// (a data-modifying WITH) — and five on SQLite, where the key's insert and the counters'
// save are two (five and six with an outbox: its notification). Without a key it is four
// on both. A batch of any size, over one launch or several, is the same four (five), not
// four per registration or per launch (TestBatchOverLaunchesStatements asserts one batch
// over five launches exactly).
func TestRegisterStatements(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(testing.TB, ...func(*store.Config)) *store.DB
		want int // with a key
	}{
		{name: "postgres", open: storetest.Postgres, want: 4},
		{name: "sqlite", open: storetest.SQLite, want: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st storetest.SQLLog
			db := tc.open(t, st.Wrap)
			f := newFixture(t, db)
			l := f.launch(t, capacity(100), waitlist)
			f.register(t, l.ID, "warm@example.org") // creates the counters

			in := input(l.ID, "one@example.org")
			in.IdempotencyKey = ptr("statements-key-0123456789")
			st.Take()
			res, err := f.svc.Register(publicCtx(), in)
			if err != nil {
				t.Fatal(err)
			}
			sql := st.Take()
			storedKey(t, db, res)
			if len(sql) != tc.want {
				t.Errorf("one registration: %d statements, want %d:\n%s", len(sql), tc.want, strings.Join(sql, "\n"))
			}
			if tc.name == "postgres" {
				lookUpLiteral(t, sql)
			}
			st.Take() // storedKey's read
			if _, err := f.svc.Register(publicCtx(), input(l.ID, "nokey@example.org")); err != nil {
				t.Fatal(err)
			}
			if sql := st.Take(); len(sql) != 4 {
				t.Errorf("one registration without a key: %d statements, want 4:\n%s", len(sql), strings.Join(sql, "\n"))
			}
			batchStatements(t, f, db, &st, l.ID, tc.want)
			invariants(t, db.Client, l)
		})
	}
}

// batchStatements registers 20 requests over 4 launches (l and three more) at once: they
// are decided and committed together, in batches of want statements each.
func batchStatements(t *testing.T, f *fixture, db *store.DB, st *storetest.SQLLog, l, want int) {
	t.Helper()
	others := []int{l}
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
	// is want statements.
	sql := st.Take()
	if n := len(sql); n%want != 0 || n >= want*20 {
		t.Errorf("20 registrations: %d statements, want %d per batch and fewer than 20 batches:\n%s", n, want, strings.Join(sql, "\n"))
	}
	t.Logf("20 registrations in %d statements (%d batches)", len(sql), len(sql)/want)
}

// lookUpLiteral checks that the look-up of addresses and keys names the live statuses as
// a literal, the predicate of the partial unique index (launch_id, email_key), not as a
// parameter, with which a generic plan cannot use that index; and that it is planned per
// batch (store.UncachedComment).
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
		if !strings.Contains(q, "query="+store.UncachedComment+" SELECT") {
			t.Errorf("look-up not marked %s:\n%s", store.UncachedComment, q)
		}
		return
	}
	t.Errorf("no look-up statement among:\n%s", strings.Join(sql, "\n"))
}

// storedKey checks the idempotency key stored with res: its registrant, one creation
// time for created_at and updated_at, and a repeat of the call answering res's token.
func storedKey(t *testing.T, db *store.DB, res *registration.Result) {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	k, err := db.Client.IdempotencyKey.Query().Where(idempotencykey.RegistrantID(res.Registrant.ID)).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !k.CreatedAt.Equal(k.UpdatedAt) || time.Since(k.CreatedAt).Abs() > time.Minute || len(k.SealedToken) == 0 || k.RequestHash == "" {
		t.Errorf("stored key %+v", k)
	}
}
