package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/region"
)

// edgeWait is how long an edge loader waits for the other launches of a page (they are
// resolved concurrently, within microseconds of one another).
const edgeWait = 2 * time.Millisecond

// refEdges batches, for one request, the regions and formats whose selection reaches a
// connection (`launches { region { launches { … } } }`). The reference-row cache holds rows
// without edges, so each launch's region would otherwise read its edges alone; a loader
// per selection reads the regions of the whole page, with their edges collected, in one
// statement per edge. Selections are kept apart because the edges read depend on them.
type refEdges struct {
	client  *ent.Client
	mu      sync.Mutex
	regions map[*ast.Field]*dataloadgen.Loader[int, *ent.Region]
	formats map[*ast.Field]*dataloadgen.Loader[int, *ent.Format]
}

type refEdgesKey struct{}

// withRefEdges gives ctx's operation its edge loaders, reading with client (or the
// operation's transaction).
func withRefEdges(ctx context.Context, client *ent.Client) context.Context {
	return context.WithValue(ctx, refEdgesKey{}, &refEdges{client: client})
}

func refEdgesFrom(ctx context.Context) *refEdges {
	e, _ := ctx.Value(refEdgesKey{}).(*refEdges)
	return e
}

// selectsConnection reports whether the current field's selection has a connection.
func selectsConnection(ctx context.Context) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Definition != nil && strings.HasSuffix(f.Definition.Type.Name(), "Connection") {
			return true
		}
	}
	return false
}

// region loads the region id with the edges the current field selects.
func (e *refEdges) region(ctx context.Context, id int) (*ent.Region, error) {
	l := loaderFor(e, &e.regions, graphql.GetFieldContext(ctx).Field.Field, func(ctx context.Context, ids []int) ([]*ent.Region, error) {
		q, err := e.clientFor(ctx).Region.Query().Where(region.IDIn(ids...)).CollectFields(ctx)
		if err != nil {
			return nil, err
		}
		return q.All(ctx)
	}, func(r *ent.Region) int { return r.ID })
	return l.Load(ctx, id)
}

// format is region for formats.
func (e *refEdges) format(ctx context.Context, id int) (*ent.Format, error) {
	l := loaderFor(e, &e.formats, graphql.GetFieldContext(ctx).Field.Field, func(ctx context.Context, ids []int) ([]*ent.Format, error) {
		q, err := e.clientFor(ctx).Format.Query().Where(format.IDIn(ids...)).CollectFields(ctx)
		if err != nil {
			return nil, err
		}
		return q.All(ctx)
	}, func(f *ent.Format) int { return f.ID })
	return l.Load(ctx, id)
}

// clientFor is the operation's transactional client if it has one.
func (e *refEdges) clientFor(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return e.client
}

// loaderFor returns the loader of field in *m, made on first use from fetch.
func loaderFor[T any](e *refEdges, m *map[*ast.Field]*dataloadgen.Loader[int, T], field *ast.Field,
	fetch func(context.Context, []int) ([]T, error), idOf func(T) int,
) *dataloadgen.Loader[int, T] {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l := (*m)[field]; l != nil {
		return l
	}
	if *m == nil {
		*m = make(map[*ast.Field]*dataloadgen.Loader[int, T])
	}
	l := dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int) (map[int]T, error) {
		rows, err := fetch(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("reference edges: %w", err)
		}
		out := make(map[int]T, len(rows))
		for _, r := range rows {
			out[idOf(r)] = r
		}
		return out, nil
	}, dataloadgen.WithWait(edgeWait))
	(*m)[field] = l
	return l
}
