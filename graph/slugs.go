package graph

import (
	"context"
	"fmt"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/internal/apperr"
)

// launchBySlug returns the launch with slug as ctx's viewer sees it; nil when there is
// none or the viewer may not see it.
func (r *Resolver) launchBySlug(ctx context.Context, slug string) (*ent.Launch, error) {
	l, err := r.client.Launch.Query().Where(launch.Slug(slug)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("graph: launch by slug: %w", err)
	}
	return l, nil
}

// launchRef returns the launch named by id or by slug: exactly one of them
// (BAD_USER_INPUT otherwise), unless optional, when neither gives nil (every launch). An
// unknown or hidden slug is NOT_FOUND, like an unknown id.
func (r *Resolver) launchRef(ctx context.Context, idArg string, id *int, slug *string, optional bool) (*int, error) {
	switch {
	case id != nil && slug != nil:
		return nil, apperr.Invalid("slug", "give either %s or slug, not both", idArg)
	case id != nil:
		return id, nil
	case slug == nil && optional:
		return nil, nil
	case slug == nil:
		return nil, apperr.Invalid(idArg, "give %s or slug", idArg)
	}
	l, err := r.launchBySlug(ctx, *slug)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, apperr.Errorf(apperr.NotFound, "no launch with slug %q", *slug)
	}
	return &l.ID, nil
}

// requiredRef is launchRef for a subscription that follows one launch.
func (r *Resolver) requiredRef(ctx context.Context, idArg string, id *int, slug *string) (int, error) {
	ref, err := r.launchRef(ctx, idArg, id, slug, false)
	if err != nil {
		return 0, err
	}
	return *ref, nil
}

// setLaunchBySlug sets *id to the launch that slug names (an input's launchSlug, read
// after its launchId): BAD_USER_INPUT when both are given, NOT_FOUND when the caller does
// not see the launch. A null slug changes nothing.
func (r *Resolver) setLaunchBySlug(ctx context.Context, id *int, slug *string) error {
	if slug == nil {
		return nil
	}
	if *id != 0 {
		return apperr.Invalid("launchSlug", "give either launchId or launchSlug, not both")
	}
	ref, err := r.launchRef(ctx, "launchId", nil, slug, false)
	if err != nil {
		return err
	}
	*id = *ref
	return nil
}
