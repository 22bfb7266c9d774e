package demo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"launchgraph/ent/launch"
	"launchgraph/internal/demo"
	"launchgraph/internal/seed"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestEnsure: the sandbox is created once, marked as made up, open for registration 30
// days ahead at 10:00 Geneva time, moved forward once it has started (registration closed), and the real
// launches are left as they are; on both stores.
func TestEnsure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Ensure(ctx, db.Client, time.Now()); !errors.Is(err, demo.ErrNoSeed) {
			t.Fatalf("Ensure on an empty store: %v, want ErrNoSeed", err)
		}
		if _, err := seed.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		before := db.Client.Launch.Query().Where(launch.SlugNEQ(demo.Slug)).Order(launch.ByID()).AllX(ctx)
		now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
		steps := []struct {
			name        string
			now         time.Time
			wantCreated bool
			wantStart   string
		}{
			{"first", now, true, "2026-12-27T10:00:00+01:00"},
			{"again the same day", now, false, "2026-12-27T10:00:00+01:00"},
			{"the day before", now.Add(29 * 24 * time.Hour), false, "2026-12-27T10:00:00+01:00"},
			{"once it started", now.Add(30 * 24 * time.Hour), false, "2027-01-26T10:00:00+01:00"},
			{"in summer time", time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC), false, "2027-07-01T10:00:00+02:00"},
		}
		for _, s := range steps {
			created, err := demo.Ensure(ctx, db.Client, s.now)
			if err != nil || created != s.wantCreated {
				t.Fatalf("%s: Ensure = %v, %v; want %v", s.name, created, err, s.wantCreated)
			}
			l := db.Client.Launch.Query().Where(launch.Slug(demo.Slug)).OnlyX(ctx)
			want, _ := time.Parse(time.RFC3339, s.wantStart)
			if !l.StartsAt.Equal(want) || !l.EndsAt.Equal(want.Add(2*time.Hour)) || l.RegistrationClosesAt == nil || !l.RegistrationClosesAt.Equal(want) {
				t.Errorf("%s: %s–%s, closes %v; want a start at %s", s.name, l.StartsAt, l.EndsAt, l.RegistrationClosesAt, s.wantStart)
			}
			if l.Status != launch.StatusPUBLISHED || l.Capacity == nil || *l.Capacity != 3 || !l.WaitlistEnabled ||
				!strings.HasPrefix(l.Title, "SANDBOX") || l.Description == nil || !strings.Contains(*l.Description, "not a COP 2020") {
				t.Errorf("%s: sandbox %+v", s.name, l)
			}
		}
		after := db.Client.Launch.Query().Where(launch.SlugNEQ(demo.Slug)).Order(launch.ByID()).AllX(ctx)
		if len(after) != len(before) {
			t.Fatalf("%d real launches after, %d before", len(after), len(before))
		}
		for i := range before {
			if !after[i].UpdatedAt.Equal(before[i].UpdatedAt) || after[i].Status != before[i].Status {
				t.Errorf("real launch %s changed", before[i].Slug)
			}
		}
	})
}
