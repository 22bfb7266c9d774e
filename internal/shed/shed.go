// Package shed carries, in an operation's context, the release of its place among the
// operations the server runs at once (graph's load shedder). An operation that is about
// to wait on something bounded elsewhere — a registration queued for its launch's group
// commit, which holds no database connection while it waits — gives its place back, so
// that the waiting does not hold the bound that protects the database pool.
package shed

import (
	"context"
	"sync"
)

type releaseKey struct{}

// WithRelease returns ctx carrying release; Release calls it at most once, however many
// times it is called (release must be safe to call alone as well).
func WithRelease(ctx context.Context, release func()) context.Context {
	return context.WithValue(ctx, releaseKey{}, sync.OnceFunc(release))
}

// Admitted reports whether ctx's operation was admitted by the shedder (holds a place, or
// held one): a service that lets it give the place back bounds its waiting instead.
func Admitted(ctx context.Context) bool {
	_, ok := ctx.Value(releaseKey{}).(func())
	return ok
}

// Release gives ctx's operation's place back, if it holds one; it does nothing otherwise.
func Release(ctx context.Context) {
	if f, ok := ctx.Value(releaseKey{}).(func()); ok {
		f()
	}
}
