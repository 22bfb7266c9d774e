package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"launchgraph/internal/authz"
)

// adminDirective implements @admin: the field runs only for an ADMIN viewer (every
// GraphQL operation has a viewer: authz.RequireAdmin's trusted case never applies here).
func adminDirective(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if err := authz.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	return next(ctx)
}
