package graph

import (
	"context"
	"errors"

	"launchgraph/ent"
	"launchgraph/internal/refcache"
)

// launchRegion is l's region from the reference-row cache; without a cache, or for a region
// the cache does not hold (created in this operation's uncommitted transaction), it is read.
// A selection reaching the region's connections reads the page's regions together, with
// those edges (refedges.go).
func (r *Resolver) launchRegion(ctx context.Context, l *ent.Launch) (*ent.Region, error) {
	if e := refEdgesFrom(ctx); e != nil && selectsConnection(ctx) {
		return e.region(ctx, l.RegionID)
	}
	if r.refs != nil {
		reg, err := r.refs.Region(ctx, l.RegionID)
		if !errors.Is(err, refcache.ErrNotFound) {
			return reg, err
		}
	}
	return l.QueryRegion().Only(ctx)
}

// launchFormat is launchRegion for l's format.
func (r *Resolver) launchFormat(ctx context.Context, l *ent.Launch) (*ent.Format, error) {
	if e := refEdgesFrom(ctx); e != nil && selectsConnection(ctx) {
		return e.format(ctx, l.FormatID)
	}
	if r.refs != nil {
		f, err := r.refs.Format(ctx, l.FormatID)
		if !errors.Is(err, refcache.ErrNotFound) {
			return f, err
		}
	}
	return l.QueryFormat().Only(ctx)
}
