// Package graph is the GraphQL layer: the schema files, thin resolvers and gqlgen output.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"launchgraph/ent"
	"launchgraph/internal/registration"
)

// Resolver is the dependency root of the resolvers.
type Resolver struct {
	client *ent.Client
	// registration runs register, cancel and moderation, and Rebalance after a capacity change.
	registration *registration.Service
}

// NewSchema returns the executable schema over an ent client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{client: client, registration: registration.NewService(client)},
		Directives: DirectiveRoot{Admin: adminDirective},
	})
}
