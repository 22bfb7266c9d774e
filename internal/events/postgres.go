package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Channel is the PostgreSQL notification channel of every event.
const Channel = "launchgraph_events"

// ListenerApplicationName names the listener's connection in pg_stat_activity.
const ListenerApplicationName = "launchgraph_listener"

// maxBatch bounds the events of one NOTIFY payload, well under PostgreSQL's 8000 bytes.
const maxBatch = 50

// Postgres is the Broker of several replicas on one PostgreSQL database: Publish sends
// NOTIFY on the pool, and one LISTEN connection per process (opened at the first
// Subscribe) feeds a local Hub. When the listener reconnects, every subscriber gets a
// Resync, since notifications sent meanwhile are lost.
type Postgres struct {
	db     *sql.DB
	dsn    string
	dialer pq.Dialer // nil: lib/pq's
	hub    *Hub

	preloads
	mu       sync.Mutex
	listener *pq.Listener
	done     chan struct{}
	stopped  chan struct{}
}

// NewPostgres returns a broker publishing on db and listening through a connection to
// dsn (a postgres:// URL), opened by dialer (nil: lib/pq's default).
func NewPostgres(db *sql.DB, dsn string, dialer pq.Dialer) *Postgres {
	return &Postgres{db: db, dsn: dsn, dialer: dialer, hub: NewHub(), done: make(chan struct{})}
}

// Prepare implements Preparer: prepare runs in the listener, before local delivery.
func (p *Postgres) Prepare(prepare func(Event)) { p.hub.Prepare(prepare) }

// Publish sends evs with pg_notify. Call it after the transaction committed.
func (p *Postgres) Publish(ctx context.Context, evs ...Event) error {
	for len(evs) > 0 {
		n := min(len(evs), maxBatch)
		payload, err := json.Marshal(evs[:n])
		if err != nil {
			return fmt.Errorf("events: encode: %w", err)
		}
		if _, err := p.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, string(payload)); err != nil {
			return fmt.Errorf("events: notify: %w", err)
		}
		evs = evs[n:]
	}
	return nil
}

// Listen starts listening now, without a subscriber (for Prepare callbacks that must see
// every replica's events, such as API-key revocations).
func (p *Postgres) Listen(ctx context.Context) error { return p.listen(ctx) }

// Subscribe implements Broker; the first call starts listening.
func (p *Postgres) Subscribe(ctx context.Context, filter func(Event) bool, buffer int) (<-chan Event, error) {
	if err := p.listen(ctx); err != nil {
		return nil, err
	}
	return p.hub.Subscribe(ctx, filter, buffer)
}

// listen opens the LISTEN connection once and waits until it listens.
func (p *Postgres) listen(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return ErrClosed
	default:
	}
	if p.listener != nil {
		return nil
	}
	dsn, err := withApplicationName(p.dsn)
	if err != nil {
		return err
	}
	var l *pq.Listener
	if p.dialer != nil {
		l = pq.NewDialListener(p.dialer, dsn, 100*time.Millisecond, 2*time.Second, nil)
	} else {
		l = pq.NewListener(dsn, 100*time.Millisecond, 2*time.Second, nil)
	}
	if err := l.Listen(Channel); err != nil {
		_ = l.Close()
		return fmt.Errorf("events: listen: %w", err)
	}
	// Listen succeeds while the connection is still being made; a ping proves it is up.
	for l.Ping() != nil {
		select {
		case <-ctx.Done():
			_ = l.Close()
			return fmt.Errorf("events: listen: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.listener, p.stopped = l, make(chan struct{})
	go p.run(l)
	return nil
}

// run forwards notifications to the hub until the listener closes.
func (p *Postgres) run(l *pq.Listener) {
	defer close(p.stopped)
	for n := range l.NotificationChannel() {
		if n == nil { // reconnected: whatever was sent meanwhile is lost
			_ = p.hub.Publish(context.Background(), Event{Type: TypeResync, At: time.Now()})
			continue
		}
		var evs []Event
		if err := json.Unmarshal([]byte(n.Extra), &evs); err != nil {
			continue // not ours
		}
		_ = p.hub.Publish(context.Background(), evs...)
	}
}

// Close stops listening and ends every subscription.
func (p *Postgres) Close() error {
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		return nil
	default:
	}
	close(p.done)
	l, stopped := p.listener, p.stopped
	p.mu.Unlock()
	var err error
	if l != nil {
		err = l.Close()
		<-stopped
	}
	return errors.Join(err, p.hub.Close())
}

// withApplicationName sets application_name on a postgres:// URL.
func withApplicationName(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("events: parse database URL: %w", err)
	}
	q := u.Query()
	q.Set("application_name", ListenerApplicationName)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
