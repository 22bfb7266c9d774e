package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// adminDirective implements @admin: the field runs only for an ADMIN viewer.
func adminDirective(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if !auth.FromContext(ctx).IsAdmin() {
		return nil, apperr.Errorf(apperr.Forbidden, "this operation needs an ADMIN API key")
	}
	return next(ctx)
}
