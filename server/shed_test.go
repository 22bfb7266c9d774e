package main

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/ent"
	"launchgraph/graph"
	evs "launchgraph/internal/events"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// slowDriver makes every statement take d.
type slowDriver struct {
	dialect.Driver
	d time.Duration
}

func (s *slowDriver) Query(ctx context.Context, query string, args, v any) error {
	time.Sleep(s.d)
	return s.Driver.Query(ctx, query, args, v)
}

// Issue 17.8: past the bound, operations are refused at once with 503, not queued.
func TestLoadShedding(t *testing.T) {
	drv := &slowDriver{d: 300 * time.Millisecond}
	db := seeded(t, storetest.SQLite(t, func(c *store.Config) {
		c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
	}))
	srv := testServer(t, db, func(c *config) { c.shedding = graph.Shedding{Running: 1, Waiting: 1, Wait: 50 * time.Millisecond} })
	type result struct {
		status     int
		retryAfter string
		took       time.Duration
	}
	results := make([]result, 5)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i > 0 {
				time.Sleep(20 * time.Millisecond) // the first one runs
			}
			start := time.Now()
			resp := post(t, srv.URL+"/graphql", `{"query":"{ launches { totalCount } }"}`)
			results[i] = result{resp.status, resp.retryAfter, time.Since(start)}
		}()
	}
	wg.Wait()
	ok := 0
	for i, r := range results {
		switch {
		case r.status == http.StatusOK:
			ok++
		case r.status == http.StatusServiceUnavailable && r.retryAfter == "1":
			if r.took > 250*time.Millisecond {
				t.Errorf("request %d shed after %s, want at once", i, r.took)
			}
		default:
			t.Errorf("request %d: %+v", i, r)
		}
	}
	if ok != 1 {
		t.Fatalf("%d ran, want 1: %+v", ok, results)
	}
}

// holdPool takes every connection of db's main pool until the test ends.
func holdPool(t *testing.T, db *sql.DB) {
	t.Helper()
	for range db.Stats().MaxOpenConnections {
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
}

// Issue 17.8: readiness and live subscribers have connections of their own.
func TestReadinessAndLiveOwnConnections(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			url := "sqlite://" + filepath.Join(t.TempDir(), "test.db")
			if name == "postgres" {
				url = storetest.PostgresURL(t)
			}
			db, err := store.Open(context.Background(), store.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			// Another process publishes the change (this one's pool will be busy).
			other, err := store.Open(context.Background(), store.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = other.Close() })
			publisher := other.Events
			if name == "sqlite" {
				publisher = db.Events // in process
			}
			testOwnConnections(t, db, publisher)
		})
	}
}

func testOwnConnections(t *testing.T, db *store.DB, publisher evs.Publisher) {
	srv := testServer(t, db)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(10) })
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe(t, "1", seatsSubscription, map[string]any{"id": strconv.Itoa(l.ID)})
	c.next(t, 5*time.Second)

	holdPool(t, db.SQL) // every request connection is busy
	start := time.Now()
	if r, raw := get(t, srv.URL+"/readyz"); r.StatusCode != http.StatusOK || !strings.Contains(string(raw), "ready") {
		t.Fatalf("readyz with the pool in use: %d %s", r.StatusCode, raw)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("readyz took %s", d)
	}
	// A change (made here on the live pool, published by another process) still reaches
	// the subscriber, whose loads use the live pool.
	db.Live.Launch.UpdateOneID(l.ID).SetCapacity(11).ExecX(context.Background())
	if err := publisher.Publish(context.Background(), evs.Event{Type: evs.TypeLaunch, LaunchID: l.ID, EntityID: l.ID, Change: evs.Updated, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var got seatsEvent
	c.next(t, 5*time.Second).data(t, &got)
	if *got.SeatsChanged.Capacity != 11 {
		t.Fatalf("got %+v", got.SeatsChanged)
	}
}
