// Package programme renders a launch's programme for readers in other zones: each
// session's times in several zones (Session.localTimes) and the sessions grouped by local
// date (Launch.days). The zone arithmetic lives in internal/tz; this package finds the
// sessions and their launches' zones, batched per request.
package programme

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/session"
	"launchgraph/internal/tz"
)

// batchWait is how long a loader waits for the other sessions or launches of a page.
const batchWait = 10 * time.Millisecond

// home is what a session needs of its launch: the zone and whether its hours are known.
type home struct {
	loc           *time.Location
	timeConfirmed bool
}

// Loaders batch the lookups of one request. Make one per request: they cache. Each loader
// is made on first use: every request gets Loaders, few read sessions' times.
type Loaders struct {
	client   *ent.Client
	mu       sync.Mutex
	homesL   *dataloadgen.Loader[int, home]
	sessionL *dataloadgen.Loader[int, []*ent.Session]
}

// NewLoaders returns loaders reading with client, as the viewer of each request.
func NewLoaders(client *ent.Client) *Loaders { return &Loaders{client: client} }

// homes returns the loader of launches' zones.
func (l *Loaders) homes() *dataloadgen.Loader[int, home] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.homesL == nil {
		l.homesL = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([]home, []error) {
			return loadHomes(ctx, l.client, ids)
		}, dataloadgen.WithWait(batchWait))
	}
	return l.homesL
}

// sessions returns the loader of launches' sessions.
func (l *Loaders) sessions() *dataloadgen.Loader[int, []*ent.Session] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sessionL == nil {
		l.sessionL = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([][]*ent.Session, []error) {
			return loadSessions(ctx, l.client, ids)
		}, dataloadgen.WithWait(batchWait))
	}
	return l.sessionL
}

type loadersKey struct{}

// WithLoaders returns a context whose lookups batch through l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

func loaders(ctx context.Context, client *ent.Client) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(client)
}

// LocalTimes renders session s in each of zones (IANA names; an unknown one is
// BAD_USER_INPUT on "zones"). A session is all-day when its own or its launch's hour is
// unconfirmed; its dates are then those of the launch's zone.
func LocalTimes(ctx context.Context, client *ent.Client, s *ent.Session, zones []string) ([]*tz.LocalTime, error) {
	for _, z := range zones {
		if _, err := tz.Load("zones", z); err != nil {
			return nil, err
		}
	}
	h, err := loaders(ctx, client).homes().Load(ctx, s.LaunchID)
	if err != nil {
		return nil, err
	}
	lts, err := tz.Localize(span(s, h), zones)
	if err != nil {
		return nil, err
	}
	out := make([]*tz.LocalTime, len(lts))
	for i := range lts {
		out[i] = &lts[i]
	}
	return out, nil
}

// Day is the sessions of a launch starting on one local date.
type Day = tz.Group[*ent.Session]

// Days groups launch l's sessions (those ctx's viewer sees) by the local date they start on
// in zone name (nil: the launch's own zone), in date order, each date's sessions in start
// order. A bad zone is BAD_USER_INPUT on "tz".
func Days(ctx context.Context, client *ent.Client, l *ent.Launch, name *string) ([]Day, error) {
	zone := l.Timezone
	if name != nil {
		zone = *name
	}
	loc, err := tz.Load("tz", zone)
	if err != nil {
		return nil, err
	}
	homeLoc, err := tz.Load("timezone", l.Timezone)
	if err != nil {
		return nil, err
	}
	sessions, err := loaders(ctx, client).sessions().Load(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	h := home{loc: homeLoc, timeConfirmed: l.TimeConfirmed}
	return tz.GroupByDate(sessions, func(s *ent.Session) tz.Span { return span(s, h) }, loc), nil
}

func span(s *ent.Session, h home) tz.Span {
	return tz.Span{Start: s.StartsAt, End: s.EndsAt, AllDay: !s.TimeConfirmed || !h.timeConfirmed, Home: h.loc}
}

// loadHomes reads the zone of launches ids in one statement.
func loadHomes(ctx context.Context, client *ent.Client, ids []int) ([]home, []error) {
	rows, err := client.Launch.Query().
		Where(launch.IDIn(ids...)).
		Select(launch.FieldID, launch.FieldTimezone, launch.FieldTimeConfirmed).
		All(ctx)
	if err != nil {
		return nil, []error{fmt.Errorf("programme: load launch zones: %w", err)}
	}
	byID := make(map[int]home, len(rows))
	for _, l := range rows {
		loc, err := tz.Load("timezone", l.Timezone)
		if err != nil {
			return nil, []error{fmt.Errorf("programme: launch %d: %w", l.ID, err)}
		}
		byID[l.ID] = home{loc: loc, timeConfirmed: l.TimeConfirmed}
	}
	out := make([]home, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		h, ok := byID[id]
		if !ok {
			errs[i] = fmt.Errorf("programme: launch %d of a session not found", id)
		}
		out[i] = h
	}
	return out, errs
}

// loadSessions reads the sessions of launches ids in one statement, in start order.
func loadSessions(ctx context.Context, client *ent.Client, ids []int) ([][]*ent.Session, []error) {
	rows, err := client.Session.Query().
		Where(session.LaunchIDIn(ids...)).
		Order(session.ByStartsAt(), session.ByPosition(), session.ByID()).
		All(ctx)
	if err != nil {
		return nil, []error{fmt.Errorf("programme: load sessions: %w", err)}
	}
	byLaunch := make(map[int][]*ent.Session, len(ids))
	for _, s := range rows {
		byLaunch[s.LaunchID] = append(byLaunch[s.LaunchID], s)
	}
	out := make([][]*ent.Session, len(ids))
	for i, id := range ids {
		out[i] = byLaunch[id]
	}
	return out, nil
}
