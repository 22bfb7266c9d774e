package live

import (
	"context"
	"slices"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/internal/auth"
	"launchgraph/internal/events"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestLaunchAfterResyncNeitherRegressesNorRepeats: a resync reads the launch as it is when
// it runs, which can be ahead of events still on their way (a stream whose buffer
// overflowed: the broker replaced what waited with one resync). The older states those
// events carry (exact rows, preloaded by the committing process) must not be sent after
// the newer one, nor the newer one again when its own event comes; the next change is.
// Before, the stream sent 3, then 2, then 3 again.
func TestLaunchAfterResyncNeitherRegressesNorRepeats(t *testing.T) {
	ls := newLaunchStream(t)
	db, s, hub, l, admin := ls.db, ls.s, ls.hub, ls.launch, ls.admin
	change := func(title string) events.Event {
		t.Helper()
		u := db.Client.Launch.UpdateOneID(l.ID).SetTitle(title).SaveX(admin)
		ev := events.Event{Type: events.TypeLaunch, LaunchID: l.ID, EntityID: l.ID, Version: u.UpdatedAt.UnixMicro()}
		s.preload(ev, u, false)          // as the committing process keeps the row its update returned
		time.Sleep(2 * time.Millisecond) // distinct versions (whole microseconds at least)
		return ev
	}
	publish := func(evs ...events.Event) {
		t.Helper()
		if err := hub.Publish(context.Background(), evs...); err != nil {
			t.Fatal(err)
		}
	}
	evs := []events.Event{change("1"), change("2"), change("3")}
	// The event of 1 was dropped in the overflow; the resync runs after 3 committed,
	// before the events of 2 and 3 arrive.
	publish(events.Event{Type: events.TypeResync, At: time.Now()})
	publish(evs[1:]...)
	if got := ls.received(); !slices.Equal(got, []string{"3"}) {
		t.Errorf("after the resync: %v, want [3]", got)
	}
	publish(change("4"))
	if got := ls.received(); !slices.Equal(got, []string{"4"}) {
		t.Errorf("the next change: %v, want [4]", got)
	}
}

// TestLaunchStatesOfOneMicrosecond: two writers can give a launch the same updatedAt, to
// the microsecond; each state is still sent, once. Their events used to share one load
// (keyed by the version alone) and one check against the row, so that a subscriber got one
// state twice and never the other (seen in TestLiveFanoutConcurrentWriters under load).
func TestLaunchStatesOfOneMicrosecond(t *testing.T) {
	ls := newLaunchStream(t)
	db, s, hub, l, admin := ls.db, ls.s, ls.hub, ls.launch, ls.admin
	at := time.Now().UTC().Truncate(time.Microsecond)
	var evs []events.Event
	for _, title := range []string{"A", "B"} {
		u := db.Client.Launch.UpdateOneID(l.ID).SetTitle(title).SetUpdatedAt(at).SaveX(admin)
		ev := events.Event{Type: events.TypeLaunch, LaunchID: l.ID, EntityID: l.ID,
			Version: u.UpdatedAt.UnixMicro(), Revision: int64(u.Revision)}
		s.preload(ev, u, false) // as the committing process keeps the row its update returned
		evs = append(evs, ev)
	}
	if evs[0].Version != evs[1].Version || evs[0].Revision == evs[1].Revision {
		t.Fatalf("events %+v: want one version, two revisions", evs)
	}
	if err := hub.Publish(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	if titles := ls.received(); !slices.Equal(titles, []string{"A", "B"}) {
		t.Errorf("got %v, want [A B]", titles)
	}
}

// launchStream is a published launch and a public subscriber's stream of it, on a hub the
// test publishes to itself.
type launchStream struct {
	db     *store.DB
	s      *Service
	hub    *events.Hub
	launch *ent.Launch
	admin  context.Context
	ch     <-chan *ent.Launch
}

func newLaunchStream(t *testing.T) *launchStream {
	t.Helper()
	db := storetest.SQLite(t)
	admin := privacy.DecisionContext(context.Background(), privacy.Allow)
	region := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(admin)
	format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(admin)
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	l := db.Client.Launch.Create().SetSlug("stream").SetTitle("0").SetRegionID(region.ID).SetFormatID(format.ID).
		SetStatus("PUBLISHED").SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("Europe/Zurich").SaveX(admin)
	hub := events.NewHub() // the test delivers the events itself
	t.Cleanup(func() { hub.Close() })
	s := NewService(db.Client, hub, nil)
	ctx, cancel := context.WithCancel(auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public}))
	t.Cleanup(cancel)
	ch, err := s.Launch(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &launchStream{db: db, s: s, hub: hub, launch: l, admin: admin, ch: ch}
}

// received returns the titles the stream sent until it has been quiet for 300 ms.
func (ls *launchStream) received() []string {
	var titles []string
	for {
		select {
		case got := <-ls.ch:
			titles = append(titles, got.Title)
		case <-time.After(300 * time.Millisecond):
			return titles
		}
	}
}
