package registration

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func batchLaunch(t *testing.T, db *store.DB, slug string, capacity int) *ent.Launch {
	t.Helper()
	ctx := context.Background()
	region, err := db.Client.Region.Query().First(ctx)
	if ent.IsNotFound(err) {
		region = db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	}
	format, err := db.Client.Format.Query().First(ctx)
	if ent.IsNotFound(err) {
		format = db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
	}
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	return db.Client.Launch.Create().SetSlug(slug).SetTitle(slug).SetRegionID(region.ID).SetFormatID(format.ID).
		SetStatus("PUBLISHED").SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("Europe/Zurich").
		SetCapacity(capacity).SetWaitlistEnabled(true).SaveX(ctx)
}

func batchRequest(t *testing.T, s *Service, launchID int, email, key string) *request {
	t.Helper()
	in := Input{LaunchID: launchID, Name: "P " + email, Email: email, Consent: true}
	if key != "" {
		in.IdempotencyKey = &key
	}
	n, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := s.prepare(n, false)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestBatchDuplicateFailsAlone: a batch whose idempotency key was just committed by a
// registration for another launch (the key is global, the launch locks are not) fails on
// the unique index; the batch then runs request by request: the reused key fails alone
// with IDEMPOTENCY_KEY_REUSED and its three neighbours register.
func TestBatchDuplicateFailsAlone(t *testing.T) {
	db := storetest.Postgres(t)
	s := NewService(db.Client)
	a, b := batchLaunch(t, db, "launch-a", 10), batchLaunch(t, db, "launch-b", 10)
	const key = "shared-key-0123456789"

	// The registration for launch a holds its key uncommitted while b's batch reads the
	// keys (and does not see it), then commits while b's batch waits on the index.
	ctx := context.Background()
	tx, err := db.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := batchRequest(t, s, a.ID, "first@example.org", key)
	if o := s.registerAlone(ent.NewTxContext(ctx, tx), first); o.err != nil {
		t.Fatal(o.err)
	}
	reqs := []*request{
		batchRequest(t, s, b.ID, "b1@example.org", ""),
		batchRequest(t, s, b.ID, "reuser@example.org", key),
		batchRequest(t, s, b.ID, "b2@example.org", "own-key-0123456789ab"),
		batchRequest(t, s, b.ID, "b3@example.org", ""),
	}
	var outs []outcome
	var wg sync.WaitGroup
	wg.Go(func() { _, outs = s.commitBatch(func() []*request { return reqs }) })
	waitForLockWait(t, db)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, o := range outs {
		want := apperr.Code("")
		if i == 1 {
			want = apperr.IdempotencyKeyReused
		}
		if got := apperr.CodeOf(o.err); got != want || (want == "" && o.registrant == nil) {
			t.Errorf("request %d: %+v (code %q), want code %q", i, o, got, want)
		}
	}
	if n := db.Client.Registrant.Query().Where(registrant.LaunchID(b.ID)).CountX(ctx); n != 3 {
		t.Errorf("launch b has %d registrants, want 3", n)
	}
}

// waitForLockWait waits until a backend of db's database waits on a lock.
func waitForLockWait(t *testing.T, db *store.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := db.SQL.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no backend waits on a lock")
}

// TestGroupCommit: 200 concurrent registrations for one launch commit in batches of more
// than one (at most maxBatch), each with its own registrant and token, exact on both stores.
func TestGroupCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		var sizes []int
		s := NewService(db.Client, WithMaxBatch(16), WithAfterCommit(func(n int) error {
			mu.Lock()
			sizes = append(sizes, n)
			mu.Unlock()
			return nil
		}))
		l := batchLaunch(t, db, "drop", 50)
		const calls = 200
		results := make([]*Result, calls)
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				res, err := s.Register(auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public}),
					Input{LaunchID: l.ID, Name: "P", Email: fmt.Sprintf("p%03d@example.org", i), Consent: true})
				if err != nil {
					t.Errorf("register %d: %v", i, err)
				}
				results[i] = res
			})
		}
		wg.Wait()
		tokens, ids := map[string]bool{}, map[int]bool{}
		confirmed := 0
		for _, r := range results {
			if r == nil {
				continue
			}
			tokens[r.ManageToken], ids[r.Registrant.ID] = true, true
			if r.Registrant.Status == registrant.StatusCONFIRMED {
				confirmed++
			}
		}
		if len(tokens) != calls || len(ids) != calls || confirmed != 50 {
			t.Errorf("%d tokens, %d registrants, %d confirmed; want %d, %d, 50", len(tokens), len(ids), confirmed, calls, calls)
		}
		total, largest := 0, 0
		for _, n := range sizes {
			total += n
			largest = max(largest, n)
		}
		if total != calls || largest < 2 || largest > 16 {
			t.Errorf("batches %v: %d in all, largest %d; want %d in all, largest in 2..16", sizes, total, largest, calls)
		}
		t.Logf("%d batches, largest %d", len(sizes), largest)
	})
}

// TestCrashBetweenCommitAndReplies: the replies of every batch are lost after its commit,
// as when a server dies at that moment; clients retrying with their idempotency keys (on
// another server) get the committed registrations, with their tokens, and nothing is
// registered twice.
func TestCrashBetweenCommitAndReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		crash := errors.New("server died")
		crashing := NewService(db.Client, WithAfterCommit(func(int) error { return crash }))
		other := NewService(db.Client)
		l := batchLaunch(t, db, "crash", 5)
		const calls = 40
		in := func(i int) Input {
			key := fmt.Sprintf("crash-key-%04d-0123456789", i)
			return Input{LaunchID: l.ID, Name: "P", Email: fmt.Sprintf("c%02d@example.org", i), Consent: true, IdempotencyKey: &key}
		}
		ctx := auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public})
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				if _, err := crashing.Register(ctx, in(i)); !errors.Is(err, crash) {
					t.Errorf("call %d: %v, want the crash", i, err)
				}
			})
		}
		wg.Wait()
		stored := map[string]*ent.Registrant{}
		for _, r := range db.Client.Registrant.Query().AllX(context.Background()) {
			stored[r.Email] = r
		}
		if len(stored) != calls {
			t.Fatalf("%d registrants committed, want %d", len(stored), calls)
		}
		for i := range calls {
			res, err := other.Register(ctx, in(i))
			if err != nil {
				t.Fatalf("retry %d: %v", i, err)
			}
			want := stored[res.Registrant.Email]
			if want == nil || res.Registrant.ID != want.ID || res.Registrant.Status != want.Status ||
				HashToken(res.ManageToken) != want.ManageTokenHash {
				t.Errorf("retry %d: %+v, want the committed %+v with its token", i, res.Registrant, want)
			}
		}
		if n := db.Client.Registrant.Query().CountX(context.Background()); n != calls {
			t.Errorf("%d registrants after the retries, want %d", n, calls)
		}
	})
}
