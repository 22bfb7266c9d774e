// Package stats counts registrations for partners and admins: totals by status and live
// registrations by country, stakeholder group and attendance, per launch or per region.
//
// Counts are computed with GROUP BY in SQL and never by loading registrants. Within one
// GraphQL request, per-request loaders (github.com/vikstrous/dataloadgen) batch the
// launches or regions of a page: each kind of count costs one statement for the whole
// page, whatever its size (status counts, which also give total, active and checkedIn;
// byCountry; byStakeholder; byAttendance).
package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/vikstrous/dataloadgen"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// Unknown is the byCountry key of registrants who gave no country.
const Unknown = "UNKNOWN"

// Scope is what a Stats counts over.
type Scope int

// The scopes.
const (
	// LaunchScope counts the registrants of one launch.
	LaunchScope Scope = iota
	// RegionScope counts the registrants of all launches of one region, drafts included.
	RegionScope
)

// Stats is the registration counts of one launch or region (GraphQL RegistrationStats).
// Its methods load the counts through the request's loaders.
type Stats struct {
	loaders *Loaders
	scope   Scope
	id      int
}

// Group is a count of registrations sharing a key (GraphQL CountByKey).
type Group struct {
	Key   string
	Count int
}

// Counts are the totals of one launch or region.
type Counts struct {
	Confirmed, Pending, Waitlisted, Cancelled, Rejected, CheckedIn int
}

// Total is every registration, whatever its status.
func (c Counts) Total() int {
	return c.Confirmed + c.Pending + c.Waitlisted + c.Cancelled + c.Rejected
}

// Active is the live registrations: confirmed, pending and waitlisted.
func (c Counts) Active() int { return c.Confirmed + c.Pending + c.Waitlisted }

// dimension is a column live registrations are grouped by.
type dimension int

const (
	byCountry dimension = iota
	byStakeholder
	byAttendance
	dimensions
)

var dimensionColumn = [dimensions]string{registrant.FieldCountry, registrant.FieldStakeholder, registrant.FieldAttendance}

// liveStatuses are the statuses the by… groups count.
var liveStatuses = []any{string(registrant.StatusCONFIRMED), string(registrant.StatusPENDING), string(registrant.StatusWAITLISTED)}

// batchWait is how long a loader waits for the other launches of a page: they are resolved
// concurrently, so all of them ask within far less.
const batchWait = 10 * time.Millisecond

// Loaders batch the counts of one request. Make one per request: they cache. Each loader
// is made on first use: every request gets Loaders, few ask for counts.
type Loaders struct {
	client *ent.Client
	mu     sync.Mutex
	counts [2]*dataloadgen.Loader[int, Counts]
	groups [2][dimensions]*dataloadgen.Loader[int, []Group]
}

// NewLoaders returns loaders that count with client.
func NewLoaders(client *ent.Client) *Loaders { return &Loaders{client: client} }

// countsOf returns the loader of scope's totals.
func (l *Loaders) countsOf(scope Scope) *dataloadgen.Loader[int, Counts] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts[scope] == nil {
		l.counts[scope] = dataloadgen.NewLoader(byKey(func(ctx context.Context, ids []int) (map[int]Counts, error) {
			return loadCounts(ctx, l.client, scope, ids)
		}), dataloadgen.WithWait(batchWait))
	}
	return l.counts[scope]
}

// groupsOf returns the loader of scope's live registrations grouped by d.
func (l *Loaders) groupsOf(scope Scope, d dimension) *dataloadgen.Loader[int, []Group] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.groups[scope][d] == nil {
		l.groups[scope][d] = dataloadgen.NewLoader(byKey(func(ctx context.Context, ids []int) (map[int][]Group, error) {
			return loadGroups(ctx, l.client, scope, d, ids)
		}), dataloadgen.WithWait(batchWait))
	}
	return l.groups[scope][d]
}

// byKey adapts a fetch returning a map to a loader's fetch: an id without rows gets the
// zero value (no registrations), an error goes to every id of the batch.
func byKey[V any](fetch func(context.Context, []int) (map[int]V, error)) func(context.Context, []int) ([]V, []error) {
	return func(ctx context.Context, ids []int) ([]V, []error) {
		m, err := fetch(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		out := make([]V, len(ids))
		for i, id := range ids {
			out[i] = m[id]
		}
		return out, nil
	}
}

type loadersKey struct{}

// WithLoaders returns a context whose Stats batch through l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// For returns the registration counts of launch or region id for ctx's viewer. Only
// partners and admins may read them: anyone else gets FORBIDDEN.
//
// fields are the GraphQL fields of RegistrationStats the request selects, and page the ids
// of the page id is listed in: the first Stats of a page asks at once for the selected
// counts of the whole page, so that one batch (one statement per kind of count) serves it
// however the resolvers of its elements are scheduled. Without loaders in ctx
// (WithLoaders) the counts are loaded for this one id with client.
func For(ctx context.Context, client *ent.Client, scope Scope, id int, fields []string, page []int) (*Stats, error) {
	if !auth.FromContext(ctx).SeesDrafts() {
		return nil, apperr.Errorf(apperr.Forbidden, "registration counts need a PARTNER or ADMIN API key")
	}
	l, ok := ctx.Value(loadersKey{}).(*Loaders)
	if !ok {
		l = NewLoaders(client)
	}
	ids := append([]int{id}, page...)
	for _, f := range fields {
		switch f {
		case "byCountry":
			prime(ctx, l.groupsOf(scope, byCountry), ids)
		case "byStakeholder":
			prime(ctx, l.groupsOf(scope, byStakeholder), ids)
		case "byAttendance":
			prime(ctx, l.groupsOf(scope, byAttendance), ids)
		case "__typename":
		default:
			prime(ctx, l.countsOf(scope), ids)
		}
	}
	return &Stats{loaders: l, scope: scope, id: id}, nil
}

// prime adds ids to loader's next batch (a no-op for ids already asked for).
func prime[V any](ctx context.Context, loader *dataloadgen.Loader[int, V], ids []int) {
	for _, id := range ids {
		loader.LoadThunk(ctx, id)
	}
}

// Counts returns the totals.
func (s *Stats) Counts(ctx context.Context) (Counts, error) {
	return s.loaders.countsOf(s.scope).Load(ctx, s.id)
}

// Total is every registration, whatever its status.
func (s *Stats) Total(ctx context.Context) (int, error) { return s.count(ctx, Counts.Total) }

// Confirmed counts CONFIRMED registrations.
func (s *Stats) Confirmed(ctx context.Context) (int, error) {
	return s.count(ctx, func(c Counts) int { return c.Confirmed })
}

// Pending counts PENDING registrations.
func (s *Stats) Pending(ctx context.Context) (int, error) {
	return s.count(ctx, func(c Counts) int { return c.Pending })
}

// Waitlisted counts WAITLISTED registrations.
func (s *Stats) Waitlisted(ctx context.Context) (int, error) {
	return s.count(ctx, func(c Counts) int { return c.Waitlisted })
}

// Cancelled counts CANCELLED registrations.
func (s *Stats) Cancelled(ctx context.Context) (int, error) {
	return s.count(ctx, func(c Counts) int { return c.Cancelled })
}

// Rejected counts REJECTED registrations.
func (s *Stats) Rejected(ctx context.Context) (int, error) {
	return s.count(ctx, func(c Counts) int { return c.Rejected })
}

// CheckedIn counts registrants who were checked in.
func (s *Stats) CheckedIn(ctx context.Context) (int, error) {
	return s.count(ctx, func(c Counts) int { return c.CheckedIn })
}

// Active counts live registrations: confirmed, pending and waitlisted.
func (s *Stats) Active(ctx context.Context) (int, error) { return s.count(ctx, Counts.Active) }

// ByCountry counts live registrations per country code (Unknown for none).
func (s *Stats) ByCountry(ctx context.Context) ([]Group, error) { return s.groups(ctx, byCountry) }

// ByStakeholder counts live registrations per stakeholder group.
func (s *Stats) ByStakeholder(ctx context.Context) ([]Group, error) {
	return s.groups(ctx, byStakeholder)
}

// ByAttendance counts live registrations per attendance.
func (s *Stats) ByAttendance(ctx context.Context) ([]Group, error) {
	return s.groups(ctx, byAttendance)
}

func (s *Stats) count(ctx context.Context, pick func(Counts) int) (int, error) {
	c, err := s.Counts(ctx)
	return pick(c), err
}

func (s *Stats) groups(ctx context.Context, d dimension) ([]Group, error) {
	g, err := s.loaders.groupsOf(s.scope, d).Load(ctx, s.id)
	if err != nil {
		return nil, err
	}
	if g == nil {
		g = []Group{}
	}
	return g, nil
}

// scoped limits s (a registrants selector) to the ids of scope and returns the key column.
func scoped(s *sql.Selector, scope Scope, ids []int) string {
	if scope == RegionScope {
		l := sql.Table(launch.Table)
		s.Join(l).On(s.C(registrant.FieldLaunchID), l.C(launch.FieldID))
		s.Where(sql.InInts(l.C(launch.FieldRegionID), ids...))
		return l.C(launch.FieldRegionID)
	}
	s.Where(sql.InInts(s.C(registrant.FieldLaunchID), ids...))
	return s.C(registrant.FieldLaunchID)
}

// trusted lets the count queries read registrants, which their privacy policy hides from
// partners: the caller (For) has checked the viewer's role, and only counts leave here.
func trusted(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// loadCounts counts the registrations of ids by status in one statement.
func loadCounts(ctx context.Context, client *ent.Client, scope Scope, ids []int) (map[int]Counts, error) {
	var rows []struct {
		Key       int    `sql:"key"`
		Status    string `sql:"status"`
		N         int    `sql:"n"`
		CheckedIn int    `sql:"checked_in"`
	}
	err := client.Registrant.Query().Modify(func(s *sql.Selector) {
		key := scoped(s, scope, ids)
		status := s.C(registrant.FieldStatus)
		s.Select(
			sql.As(key, "key"),
			sql.As(status, "status"),
			sql.As(sql.Count("*"), "n"),
			sql.As(fmt.Sprintf("SUM(CASE WHEN %s IS NULL THEN 0 ELSE 1 END)", s.C(registrant.FieldCheckedInAt)), "checked_in"),
		).GroupBy(key, status)
	}).Scan(trusted(ctx), &rows)
	if err != nil {
		return nil, fmt.Errorf("stats: count registrations by status: %w", err)
	}
	out := make(map[int]Counts, len(ids))
	for _, r := range rows {
		c := out[r.Key]
		switch registrant.Status(r.Status) {
		case registrant.StatusCONFIRMED:
			c.Confirmed += r.N
		case registrant.StatusPENDING:
			c.Pending += r.N
		case registrant.StatusWAITLISTED:
			c.Waitlisted += r.N
		case registrant.StatusCANCELLED:
			c.Cancelled += r.N
		case registrant.StatusREJECTED:
			c.Rejected += r.N
		}
		c.CheckedIn += r.CheckedIn
		out[r.Key] = c
	}
	return out, nil
}

// loadGroups counts the live registrations of ids by one dimension in one statement.
func loadGroups(ctx context.Context, client *ent.Client, scope Scope, d dimension, ids []int) (map[int][]Group, error) {
	var rows []struct {
		Key   int            `sql:"key"`
		Value sql.NullString `sql:"value"`
		N     int            `sql:"n"`
	}
	err := client.Registrant.Query().Modify(func(s *sql.Selector) {
		key := scoped(s, scope, ids)
		col := s.C(dimensionColumn[d])
		s.Where(sql.In(s.C(registrant.FieldStatus), liveStatuses...))
		s.Select(sql.As(key, "key"), sql.As(col, "value"), sql.As(sql.Count("*"), "n")).GroupBy(key, col)
	}).Scan(trusted(ctx), &rows)
	if err != nil {
		return nil, fmt.Errorf("stats: count registrations by %s: %w", dimensionColumn[d], err)
	}
	counts := make(map[int]map[string]int, len(ids))
	for _, r := range rows {
		k := r.Value.String
		if k == "" {
			k = Unknown // no country given: NULL or empty
		}
		if counts[r.Key] == nil {
			counts[r.Key] = map[string]int{}
		}
		counts[r.Key][k] += r.N
	}
	out := make(map[int][]Group, len(counts))
	for id, byKey := range counts {
		out[id] = Sorted(byKey)
	}
	return out, nil
}

// Sorted returns counts as groups, the largest count first, then by key.
func Sorted(counts map[string]int) []Group {
	groups := make([]Group, 0, len(counts))
	for k, n := range counts {
		groups = append(groups, Group{Key: k, Count: n})
	}
	slices.SortFunc(groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key))
	})
	return groups
}
