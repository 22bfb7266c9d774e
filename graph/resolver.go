// Package graph is the GraphQL layer: the schema files, thin resolvers and gqlgen output.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"launchgraph/ent"
)

// Resolver is the dependency root of the resolvers.
type Resolver struct {
	client *ent.Client
}

// NewSchema returns the executable schema over an ent client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{client: client},
		Directives: DirectiveRoot{Admin: adminDirective},
	})
}
