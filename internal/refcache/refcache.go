// Package refcache caches the reference rows — regions and formats — that nearly every launch
// read shows, so that `launch { region { … } format { … } }` costs no statement beyond the
// launch's own. The tables are tiny (six regions, a few formats) and change rarely: each
// is read whole on first use and kept until a change to it is reported — by this process
// at commit (events.RefHook), by every other replica through the events broker (LISTEN/
// NOTIFY on PostgreSQL) — or its TTL passes.
package refcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/internal/events"
)

// ErrNotFound is returned for an id the table does not hold (as read outside any
// transaction: a row created in the caller's uncommitted transaction is not there).
var ErrNotFound = errors.New("not found")

// Cache holds the regions and formats. Its rows are shared between requests: callers
// must not modify them.
type Cache struct {
	client  *ent.Client
	ttl     time.Duration
	regions table[*ent.Region]
	formats table[*ent.Format]
}

// Config sizes a Cache.
type Config struct {
	// TTL bounds how long a table is kept without a change event, for changes no event
	// carries (another process on SQLite, a lost notification); 0 means a minute.
	TTL time.Duration
}

// New returns an empty cache over client.
func New(client *ent.Client, cfg Config) *Cache {
	if cfg.TTL <= 0 {
		cfg.TTL = time.Minute
	}
	c := &Cache{client: client, ttl: cfg.TTL}
	c.regions.load = func(ctx context.Context) ([]*ent.Region, error) { return client.Region.Query().All(ctx) }
	c.regions.id = func(r *ent.Region) int { return r.ID }
	c.formats.load = func(ctx context.Context) ([]*ent.Format, error) { return client.Format.Query().All(ctx) }
	c.formats.id = func(f *ent.Format) int { return f.ID }
	return c
}

// Region returns the region with id; an unknown id is ErrNotFound.
func (c *Cache) Region(ctx context.Context, id int) (*ent.Region, error) {
	return c.regions.get(ctx, id, c.ttl)
}

// Format returns the format with id; an unknown id is ErrNotFound.
func (c *Cache) Format(ctx context.Context, id int) (*ent.Format, error) {
	return c.formats.get(ctx, id, c.ttl)
}

// Changed drops the cached table of typ (events.TypeRegion or events.TypeFormat; any
// other type, events.TypeResync included, drops both).
func (c *Cache) Changed(typ string) {
	switch typ {
	case events.TypeRegion:
		c.regions.forget()
	case events.TypeFormat:
		c.formats.forget()
	default:
		c.regions.forget()
		c.formats.forget()
	}
}

// Follow drops the tables as the broker reports their changes (and both on a resync),
// until ctx ends. On a broker that prepares events (events.Preparer: the Hub and the
// PostgreSQL one) this happens before any subscriber sees the event.
func (c *Cache) Follow(ctx context.Context, broker events.Broker) error {
	isRef := func(e events.Event) bool {
		return e.Type == events.TypeRegion || e.Type == events.TypeFormat || e.Type == events.TypeResync
	}
	if p, ok := broker.(events.Preparer); ok {
		if l, ok := broker.(interface{ Listen(context.Context) error }); ok {
			if err := l.Listen(ctx); err != nil {
				return fmt.Errorf("refcache: following changes: %w", err)
			}
		}
		p.Prepare(func(e events.Event) {
			if ctx.Err() == nil && isRef(e) {
				c.Changed(e.Type)
			}
		})
		return nil
	}
	ch, err := broker.Subscribe(ctx, isRef, 16)
	if err != nil {
		return fmt.Errorf("refcache: following changes: %w", err)
	}
	go func() {
		for e := range ch {
			c.Changed(e.Type)
		}
	}()
	return nil
}

// table is one cached table.
type table[T any] struct {
	load func(context.Context) ([]T, error)
	id   func(T) int

	mu     sync.Mutex
	rows   map[int]T // nil: not loaded
	loaded time.Time
	gen    uint64 // counts forgets, so that a load that overlapped one is not kept

	fill sync.Mutex // one load at a time
}

func (t *table[T]) forget() {
	t.mu.Lock()
	t.rows, t.gen = nil, t.gen+1
	t.mu.Unlock()
}

// lookup returns the row with id from the loaded table; loaded is false when the table
// must be read (absent, or older than ttl).
func (t *table[T]) lookup(id int, ttl time.Duration) (row T, found, loaded bool, gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rows == nil || time.Since(t.loaded) >= ttl {
		return row, false, false, t.gen
	}
	row, found = t.rows[id]
	return row, found, true, t.gen
}

func (t *table[T]) get(ctx context.Context, id int, ttl time.Duration) (T, error) {
	if row, found, loaded, _ := t.lookup(id, ttl); loaded && found {
		return row, nil
	}
	// Absent, stale, or without id (a row created since the table was read): read it
	// again, once for every caller that waits meanwhile.
	t.fill.Lock()
	defer t.fill.Unlock()
	row, found, loaded, gen := t.lookup(id, ttl)
	if loaded && found {
		return row, nil
	}
	rows, err := t.load(privacy.DecisionContext(ctx, privacy.Allow)) // public rows, whoever asks
	if err != nil {
		var zero T
		return zero, fmt.Errorf("refcache: %w", err)
	}
	m := make(map[int]T, len(rows))
	for _, r := range rows {
		m[t.id(r)] = r
	}
	t.mu.Lock()
	if t.gen == gen {
		t.rows, t.loaded = m, time.Now()
	}
	t.mu.Unlock()
	row, ok := m[id]
	if !ok {
		return row, fmt.Errorf("refcache: id %d: %w", id, ErrNotFound)
	}
	return row, nil
}
