package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/apikey"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
	"launchgraph/internal/events"
)

// KeyCache answers Authenticate from memory for a key checked within TTL, so that a
// request with a key usually costs no statement. A key's revocation or change reaches
// every replica through a TypeAPIKey event (events.KeyHook publishes it after commit);
// the cache then forgets the key and ends the websockets it opened (Watch). Expiry needs
// no event: every answer is checked against the key's expiry time. A sweep re-reads the
// watched keys every Sweep, for changes no event carried (another process on SQLite).
type KeyCache struct {
	client *ent.Client
	cfg    KeyCacheConfig

	mu      sync.Mutex
	byHash  map[string]cachedKey
	watches map[int]map[*watch]struct{}
	// changed holds when each key was last reported changed (for one TTL), so that a
	// lookup that began before the change does not cache what it read.
	changed map[int]time.Time
}

// KeyCacheConfig sizes a KeyCache.
type KeyCacheConfig struct {
	// TTL is how long a checked key is answered from memory; 0 caches nothing.
	TTL time.Duration
	// Sweep is how often watched keys are re-read; 0 never.
	Sweep time.Duration
	// MaxKeys bounds the cached keys (the least recently checked go first); default 10,000.
	MaxKeys int
}

type cachedKey struct {
	viewer  Viewer
	checked time.Time
}

// watch is one websocket (or other holder) of a key: end is called once when the key
// stops being usable.
type watch struct {
	once  sync.Once
	end   func(reason string)
	timer *time.Timer
}

// NewKeyCache returns an empty cache over client.
func NewKeyCache(client *ent.Client, cfg KeyCacheConfig) *KeyCache {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 10_000
	}
	return &KeyCache{client: client, cfg: cfg, byHash: map[string]cachedKey{}, watches: map[int]map[*watch]struct{}{}, changed: map[int]time.Time{}}
}

// Authenticate is auth.Authenticate, answered from memory when key was checked within the
// TTL.
func (c *KeyCache) Authenticate(ctx context.Context, key string) (Viewer, error) {
	if !wellFormed(key) {
		return Viewer{}, apperr.Errorf(apperr.Unauthenticated, msgMalformed)
	}
	hash, now := hashKey(key), time.Now()
	c.mu.Lock()
	e, hit := c.byHash[hash]
	c.mu.Unlock()
	if hit && now.Sub(e.checked) < c.cfg.TTL {
		if !e.viewer.KeyExpires.IsZero() && !now.Before(e.viewer.KeyExpires) {
			c.forget(e.viewer.KeyID)
			return Viewer{}, apperr.Errorf(apperr.Unauthenticated, msgExpired)
		}
		return e.viewer, nil
	}
	k, err := lookup(ctx, c.client, key)
	if err != nil {
		return Viewer{}, err
	}
	v := viewerOf(k)
	c.mu.Lock()
	if at, ok := c.changed[k.ID]; c.cfg.TTL > 0 && (!ok || at.Before(now)) {
		if len(c.byHash) >= c.cfg.MaxKeys {
			c.evictOldest()
		}
		c.byHash[hash] = cachedKey{viewer: v, checked: now}
	}
	c.mu.Unlock()
	return v, nil
}

// evictOldest drops the key checked longest ago. Call with c.mu held.
func (c *KeyCache) evictOldest() {
	var oldest string
	var at time.Time
	for h, e := range c.byHash {
		if oldest == "" || e.checked.Before(at) {
			oldest, at = h, e.checked
		}
	}
	delete(c.byHash, oldest)
}

// Watch calls end once when viewer v's key is revoked, deleted or changed (as the events
// or the sweep report it), or expires; the returned stop ends the watch without calling
// end. A viewer without a key is never watched.
func (c *KeyCache) Watch(v Viewer, end func(reason string)) (stop func()) {
	id := v.KeyID
	if id == 0 {
		return func() {}
	}
	w := &watch{end: end}
	c.mu.Lock()
	if c.watches[id] == nil {
		c.watches[id] = map[*watch]struct{}{}
	}
	c.watches[id][w] = struct{}{}
	c.mu.Unlock()
	if !v.KeyExpires.IsZero() {
		w.timer = time.AfterFunc(time.Until(v.KeyExpires), func() { c.endWatch(id, w, msgExpired) })
	}
	return func() {
		c.mu.Lock()
		delete(c.watches[id], w)
		if len(c.watches[id]) == 0 {
			delete(c.watches, id)
		}
		c.mu.Unlock()
		if w.timer != nil {
			w.timer.Stop()
		}
	}
}

func (c *KeyCache) endWatch(id int, w *watch, reason string) {
	c.mu.Lock()
	delete(c.watches[id], w)
	if len(c.watches[id]) == 0 {
		delete(c.watches, id)
	}
	c.mu.Unlock()
	w.once.Do(func() { w.end(reason) })
}

// Forget drops what is cached about keys ids (it does not end their watches: Changed does).
func (c *KeyCache) Forget(ids ...int) {
	for _, id := range ids {
		c.forget(id)
	}
}

// forget drops what is cached about key id.
func (c *KeyCache) forget(id int) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.byHash {
		if e.viewer.KeyID == id {
			delete(c.byHash, h)
		}
	}
	for k, at := range c.changed {
		if now.Sub(at) > c.cfg.TTL {
			delete(c.changed, k)
		}
	}
	c.changed[id] = now
}

// Changed reports that key id changed (it may be revoked): it is forgotten, and its
// watches end unless it is still usable.
func (c *KeyCache) Changed(ctx context.Context, ids ...int) error {
	for _, id := range ids {
		c.forget(id)
	}
	return c.recheck(ctx, ids)
}

// recheck ends the watches of those of ids that are no longer usable.
func (c *KeyCache) recheck(ctx context.Context, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	keys, err := c.client.APIKey.Query().Where(apikey.IDIn(ids...)).All(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return fmt.Errorf("auth: rechecking keys: %w", err)
	}
	reasons := make(map[int]string, len(ids))
	for _, id := range ids {
		reasons[id] = "API key deleted"
	}
	now := time.Now()
	for _, k := range keys {
		if err := usable(k, now); err != nil {
			reasons[k.ID] = err.(*apperr.Error).Message
		} else {
			delete(reasons, k.ID)
		}
	}
	for id, reason := range reasons {
		c.mu.Lock()
		ws := make([]*watch, 0, len(c.watches[id]))
		for w := range c.watches[id] {
			ws = append(ws, w)
		}
		c.mu.Unlock()
		for _, w := range ws {
			c.endWatch(id, w, reason)
		}
	}
	return nil
}

// watched returns the ids of the keys being watched.
func (c *KeyCache) watched() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]int, 0, len(c.watches))
	for id := range c.watches {
		ids = append(ids, id)
	}
	return ids
}

// Follow applies the key events of broker until ctx ends: a changed key is forgotten and
// its watches rechecked; a Resync (events may have been lost) forgets everything and
// rechecks every watched key, as the periodic sweep does. It reads the events as the
// broker prepares them (events.Preparer) when it can, so that it is no subscriber of its
// own, and makes a PostgreSQL broker listen at once. Errors of a recheck go to onError.
func (c *KeyCache) Follow(ctx context.Context, broker events.Broker, onError func(error)) error {
	ch, err := keyEvents(ctx, broker)
	if err != nil {
		return fmt.Errorf("auth: following key events: %w", err)
	}
	report := func(err error) {
		if err != nil && onError != nil {
			onError(err)
		}
	}
	go func() {
		var sweep <-chan time.Time
		if c.cfg.Sweep > 0 {
			t := time.NewTicker(c.cfg.Sweep)
			defer t.Stop()
			sweep = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-ch:
				if !ok {
					return
				}
				if ev.Type == events.TypeResync {
					c.mu.Lock()
					clear(c.byHash)
					c.mu.Unlock()
					report(c.recheck(ctx, c.watched()))
					continue
				}
				report(c.Changed(ctx, ev.EntityID))
			case <-sweep:
				report(c.recheck(ctx, c.watched()))
			}
		}
	}()
	return nil
}

// keyEvents returns the key events (and resyncs) of broker.
func keyEvents(ctx context.Context, broker events.Broker) (<-chan events.Event, error) {
	isKey := func(e events.Event) bool { return e.Type == events.TypeAPIKey || e.Type == events.TypeResync }
	p, ok := broker.(events.Preparer)
	if !ok {
		return broker.Subscribe(ctx, isKey, 256)
	}
	if l, ok := broker.(interface{ Listen(context.Context) error }); ok {
		if err := l.Listen(ctx); err != nil {
			return nil, err
		}
	}
	ch := make(chan events.Event, 256)
	p.Prepare(func(e events.Event) {
		if !isKey(e) || ctx.Err() != nil {
			return
		}
		select {
		case ch <- e:
		default: // the cache is behind: it forgets everything instead
			select {
			case ch <- events.Event{Type: events.TypeResync}:
			default:
			}
		}
	})
	return ch, nil
}
