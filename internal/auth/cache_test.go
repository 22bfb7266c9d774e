package auth_test

import (
	"context"
	"testing"
	"time"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/events"
	"launchgraph/internal/store/storetest"
)

func TestKeyCache(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	key, row, err := auth.Create(ctx, db.Client, auth.Partner, "p", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := auth.NewKeyCache(db.Client, auth.KeyCacheConfig{TTL: time.Hour})
	if v, err := c.Authenticate(ctx, key); err != nil || v.KeyID != row.ID {
		t.Fatalf("first: %+v %v", v, err)
	}
	// Revoked in the database but not reported: the cache still answers (within its TTL).
	if err := auth.Revoke(ctx, db.Client, row.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, key); err != nil {
		t.Fatalf("cached: %v", err)
	}
	ended := make(chan string, 1)
	stop := c.Watch(auth.Viewer{Role: auth.Partner, KeyID: row.ID}, func(reason string) { ended <- reason })
	defer stop()
	// Reported: forgotten, refused, and its watch ends.
	if err := c.Changed(ctx, row.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, key); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("after Changed: %v, want UNAUTHENTICATED", err)
	}
	select {
	case reason := <-ended:
		if reason != "API key revoked" {
			t.Fatalf("watch ended with %q", reason)
		}
	default:
		t.Fatal("the watch did not end")
	}
}

func TestKeyCacheExpiry(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	key, _, err := auth.Create(ctx, db.Client, auth.Partner, "p", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c := auth.NewKeyCache(db.Client, auth.KeyCacheConfig{TTL: time.Hour})
	v, err := c.Authenticate(ctx, key)
	if err != nil || v.KeyExpires.IsZero() {
		t.Fatalf("%+v %v", v, err)
	}
	ended := make(chan string, 1)
	c.Watch(v, func(reason string) { ended <- reason })
	select {
	case reason := <-ended:
		if reason != "API key expired" {
			t.Fatalf("watch ended with %q", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not end at expiry")
	}
	if _, err := c.Authenticate(ctx, key); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("after expiry: %v, want UNAUTHENTICATED from the cache", err)
	}
}

// A stopped watch never ends; a key still usable after a change keeps its watches.
func TestKeyCacheWatchStop(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	_, row, err := auth.Create(ctx, db.Client, auth.Partner, "p", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := auth.NewKeyCache(db.Client, auth.KeyCacheConfig{TTL: time.Hour})
	v := auth.Viewer{Role: auth.Partner, KeyID: row.ID}
	ended := make(chan string, 2)
	c.Watch(v, func(reason string) { ended <- "kept: " + reason })
	stop := c.Watch(v, func(reason string) { ended <- "stopped: " + reason })
	stop()
	if err := c.Changed(ctx, row.ID); err != nil { // still usable
		t.Fatal(err)
	}
	if err := auth.Revoke(ctx, db.Client, row.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Changed(ctx, row.ID); err != nil {
		t.Fatal(err)
	}
	if got := <-ended; got != "kept: API key revoked" {
		t.Fatalf("got %q", got)
	}
	select {
	case got := <-ended:
		t.Fatalf("a stopped watch ended: %q", got)
	default:
	}
}

// Revoking a key publishes a key event; recording its use does not.
func TestKeyEvents(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	key, row, err := auth.Create(ctx, db.Client, auth.Partner, "p", 0)
	if err != nil {
		t.Fatal(err)
	}
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := db.Events.Subscribe(sub, func(e events.Event) bool { return e.Type == events.TypeAPIKey || e.Type == "sentinel" }, 8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, db.Client, key); err != nil { // writes last_used_at
		t.Fatal(err)
	}
	_ = db.Events.Publish(ctx, events.Event{Type: "sentinel"})
	if e := <-ch; e.Type != "sentinel" {
		t.Fatalf("recording a use published %+v", e)
	}
	if err := auth.Revoke(ctx, db.Client, row.ID); err != nil {
		t.Fatal(err)
	}
	if e := <-ch; e.Type != events.TypeAPIKey || e.EntityID != row.ID {
		t.Fatalf("revoking published %+v", e)
	}
}
