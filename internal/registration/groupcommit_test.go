package registration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/ent/seatcount"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestBatchOverLaunchesStatements: one transaction over one launch or over five is the
// same four statements — lock and read all launches and counters, look up all addresses
// and keys, insert the registrants, insert the keys and save all counters — each launch
// decided on its own (capacity 3 each, the rest waitlisted), and the same texts
// whatever the number of launches and requests (one plan each on the server).
func TestBatchOverLaunchesStatements(t *testing.T) {
	var log storetest.SQLLog
	db := storetest.Postgres(t, log.Wrap)
	s := NewService(db.Client)
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	var launches []*ent.Launch
	for i := range 5 {
		l := batchLaunch(t, db, fmt.Sprintf("multi-%d", i), 3)
		if o := s.registerAlone(ctx, batchRequest(t, s, l.ID, fmt.Sprintf("warm%d@example.org", i), "")); o.err != nil {
			t.Fatal(o.err) // creates the counters
		}
		launches = append(launches, l)
	}
	texts := map[string]bool{}
	for _, n := range []int{1, 5} {
		var reqs []*request
		for r := range 4 { // interleaved, as they would arrive
			for _, l := range launches[:n] {
				email := fmt.Sprintf("n%d-r%d-l%d@example.org", n, r, l.ID)
				reqs = append(reqs, batchRequest(t, s, l.ID, email, "key-"+email))
			}
		}
		log.Take()
		outs, err := s.decideAndWrite(ctx, reqs)
		if err != nil {
			t.Fatal(err)
		}
		sql := log.Take()
		if len(sql) != 4 {
			t.Errorf("%d launches: %d statements, want 4:\n%s", n, len(sql), strings.Join(sql, "\n"))
		}
		for _, q := range sql {
			text, _, _ := strings.Cut(q[strings.Index(q, "query=")+6:], " args=")
			if !strings.HasPrefix(text, "INSERT") { // inserts have a VALUES row per record
				texts[text] = true
			}
		}
		for i, o := range outs {
			if o.err != nil || o.registrant == nil {
				t.Fatalf("%d launches, request %d: %+v", n, i, o)
			}
		}
	}
	if len(texts) != 3 {
		t.Errorf("%d texts of lock, look-up and save over 1 and 5 launches, want 3:\n%s", len(texts), strings.Join(mapKeys(texts), "\n"))
	}
	for i, l := range launches {
		want := Counts{Confirmed: 3, Waitlisted: 6} // warm and 8 more: 3 seats, the rest waits
		if i > 0 {
			want = Counts{Confirmed: 3, Waitlisted: 2} // warm and 4 more
		}
		if got := liveCounts(t, db, l); got != want {
			t.Errorf("launch %d: %+v, want %+v", i, got, want)
		}
	}
}

func mapKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBatchOverLaunchesRules: in one transaction over several launches each launch keeps
// its own rules: an address registers at two launches; a launch that does not exist is
// NOT_FOUND for its requests alone; an idempotency key registered at one launch is
// IDEMPOTENCY_KEY_REUSED at the next (the key is global), decided in the batch without
// the fallback; a repeat of a key within a launch shares its answer. On both stores.
func TestBatchOverLaunchesRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var batches []int
		s := NewService(db.Client, WithObserver(batchSizes{&batches}))
		a, b := batchLaunch(t, db, "rules-a", 10), batchLaunch(t, db, "rules-b", 1)
		const shared = "shared-key-0123456789"
		reqs := []*request{
			batchRequest(t, s, a.ID, "both@example.org", ""),
			batchRequest(t, s, b.ID, "both@example.org", ""),
			batchRequest(t, s, 1<<40, "nowhere@example.org", ""),
			batchRequest(t, s, a.ID, "keyed@example.org", shared),
			batchRequest(t, s, b.ID, "other@example.org", shared),
			batchRequest(t, s, b.ID, "late@example.org", ""),
		}
		reqs = append(reqs, reqs[3]) // the same call again, in the same batch
		_, outs := s.commitBatch(func() []*request { return reqs })
		want := []apperr.Code{"", "", apperr.NotFound, "", apperr.IdempotencyKeyReused, "", ""}
		for i, o := range outs {
			if got := apperr.CodeOf(o.err); got != want[i] || (want[i] == "" && o.registrant == nil) {
				t.Errorf("request %d: %+v (code %q), want code %q", i, o, got, want[i])
			}
		}
		if outs[6].registrant == nil || outs[3].registrant == nil || outs[6].registrant.ID != outs[3].registrant.ID || outs[6].token != outs[3].token {
			t.Errorf("the repeat got %+v, want the answer of %+v", outs[6], outs[3])
		}
		if outs[5].registrant == nil || outs[5].registrant.Status != registrant.StatusWAITLISTED {
			t.Errorf("late at b (capacity 1): %+v, want WAITLISTED", outs[5])
		}
		if len(batches) != 1 {
			t.Errorf("batches %v, want one (no request ran again alone)", batches)
		}
		if got := liveCounts(t, db, a); got != (Counts{Confirmed: 2}) {
			t.Errorf("launch a: %+v, want 2 confirmed", got)
		}
		if got := liveCounts(t, db, b); got != (Counts{Confirmed: 1, Waitlisted: 1}) {
			t.Errorf("launch b: %+v, want 1 confirmed, 1 waitlisted", got)
		}
	})
}

// batchSizes records the sizes of the group commits.
type batchSizes struct{ sizes *[]int }

func (batchSizes) Registration(string, string) {}
func (b batchSizes) RegistrationBatch(n int)   { *b.sizes = append(*b.sizes, n) }

// liveCounts counts l's live registrants and checks its counters equal them (the full
// check is regtest.Invariants, which the external tests use).
func liveCounts(t *testing.T, db *store.DB, l *ent.Launch) Counts {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	c, err := countLive(ctx, db.Client, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	sc := db.Client.SeatCount.Query().Where(seatcount.LaunchID(l.ID), seatcount.Category(wholeLaunch)).OnlyX(ctx)
	if stored := (Counts{Confirmed: sc.Confirmed, Pending: sc.Pending, Waitlisted: sc.Waitlisted}); stored != c {
		t.Errorf("launch %d: counters %+v, rows %+v", l.ID, stored, c)
	}
	return c
}

// TestBatcherSpansLaunches: 300 concurrent registrations over 10 launches (capacity 10
// each) through 2 workers: batches take several launches at once, no launch is in two
// running batches, at most 2 batches run at once, and every launch is exact. On both stores.
func TestBatcherSpansLaunches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db.Client, WithMaxBatch(32), WithBatchWorkers(2))
		var mu sync.Mutex
		held := map[int]bool{}
		batches, spanning, now, most := 0, 0, 0, 0
		inner := s.batches.run
		s.batches.run = func(take func() []*request) ([]*request, []outcome) {
			var ids []int
			reqs, outs := inner(func() []*request {
				reqs := take()
				mu.Lock()
				defer mu.Unlock()
				for _, g := range byLaunch(reqs) {
					if held[g.launchID] {
						t.Errorf("launch %d in two running batches", g.launchID)
					}
					held[g.launchID] = true
					ids = append(ids, g.launchID)
				}
				batches, now = batches+1, now+1
				most = max(most, now)
				if len(ids) > 1 {
					spanning++
				}
				return reqs
			})
			mu.Lock()
			for _, id := range ids {
				delete(held, id)
			}
			now--
			mu.Unlock()
			return reqs, outs
		}
		var launches []*ent.Launch
		for i := range 10 {
			launches = append(launches, batchLaunch(t, db, fmt.Sprintf("span-%d", i), 10))
		}
		ctx := auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public})
		var wg sync.WaitGroup
		for i := range 300 {
			wg.Go(func() {
				l := launches[i%10]
				_, err := s.Register(ctx, Input{LaunchID: l.ID, Name: "P", Email: fmt.Sprintf("p%03d@example.org", i), Consent: true})
				if err != nil {
					t.Errorf("register %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if spanning == 0 || most > 2 {
			t.Errorf("%d batches, %d over several launches, at most %d at once; want some over several, at most 2 at once", batches, spanning, most)
		}
		for _, l := range launches {
			if got := liveCounts(t, db, l); got != (Counts{Confirmed: 10, Waitlisted: 20}) {
				t.Errorf("launch %d: %+v, want 10 confirmed, 20 waitlisted", l.ID, got)
			}
		}
		t.Logf("%d batches, %d over several launches, at most %d at once", batches, spanning, most)
	})
}
