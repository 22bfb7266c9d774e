package refcache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/internal/events"
	"launchgraph/internal/refcache"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// countingDriver counts the statements ent sends.
type countingDriver struct {
	dialect.Driver
	n atomic.Int64
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	drv := new(countingDriver)
	db := storetest.SQLite(t, func(c *store.Config) {
		c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
	})
	eur := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	afr := db.Client.Region.Create().SetCode("AFR").SetName("Africa").SetDefaultTimezone("Africa/Addis_Ababa").SaveX(ctx)
	forum := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
	c := refcache.New(db.Client, refcache.Config{TTL: time.Hour})

	statements := func(name string, want int64, fn func()) {
		t.Helper()
		drv.n.Store(0)
		fn()
		if got := drv.n.Load(); got != want {
			t.Errorf("%s: %d statements, want %d", name, got, want)
		}
	}
	region := func(id int, want string) {
		t.Helper()
		r, err := c.Region(ctx, id)
		if err != nil || r.Name != want {
			t.Fatalf("Region(%d) = %v, %v; want %s", id, r, err, want)
		}
	}
	statements("first read", 1, func() { region(eur.ID, "Europe") })
	statements("warm reads", 0, func() { region(eur.ID, "Europe"); region(afr.ID, "Africa") })
	statements("first format", 1, func() {
		if f, err := c.Format(ctx, forum.ID); err != nil || f.Name != "One-day forum" {
			t.Fatalf("Format = %v, %v", f, err)
		}
	})

	db.Client.Region.UpdateOneID(eur.ID).SetName("Europa").ExecX(ctx)
	statements("stale until told", 0, func() { region(eur.ID, "Europe") })
	c.Changed(events.TypeRegion)
	statements("after Changed", 1, func() { region(eur.ID, "Europa") })
	statements("formats kept", 0, func() { _, _ = c.Format(ctx, forum.ID) })

	statements("unknown id reads again", 1, func() {
		if _, err := c.Region(ctx, forum.ID+1000); !errors.Is(err, refcache.ErrNotFound) {
			t.Fatalf("unknown id: %v, want ErrNotFound", err)
		}
	})
	c.Changed(events.TypeResync)
	statements("resync drops both", 2, func() { region(afr.ID, "Africa"); _, _ = c.Format(ctx, forum.ID) })

	short := refcache.New(db.Client, refcache.Config{TTL: 20 * time.Millisecond})
	statements("ttl", 2, func() {
		_, _ = short.Region(ctx, eur.ID)
		time.Sleep(30 * time.Millisecond)
		_, _ = short.Region(ctx, eur.ID)
	})
}

// Follow drops the tables on the broker's events (a Hub here, as on SQLite).
func TestFollow(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	eur := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	hub := events.NewHub()
	t.Cleanup(func() { _ = hub.Close() })
	c := refcache.New(db.Client, refcache.Config{TTL: time.Hour})
	if err := c.Follow(ctx, hub); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Region(ctx, eur.ID); err != nil {
		t.Fatal(err)
	}
	db.Client.Region.UpdateOneID(eur.ID).SetName("Europa").ExecX(ctx)
	if err := hub.Publish(ctx, events.Event{Type: events.TypeRegion}); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Region(ctx, eur.ID); err != nil || r.Name != "Europa" {
		t.Fatalf("after the event: %v, %v", r, err)
	}
}

// Readers racing with drops always get a row (run with -race).
func TestConcurrentReadsAndDrops(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	eur := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	c := refcache.New(db.Client, refcache.Config{TTL: time.Hour})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if r, err := c.Region(ctx, eur.ID); err != nil || r.Code != "EUR" {
					t.Errorf("Region = %v, %v", r, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			c.Changed(events.TypeRegion)
		}
	})
	wg.Wait()
}
