// Package graph is the GraphQL layer: the schema files, thin resolvers and gqlgen output.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"launchgraph/ent"
	"launchgraph/internal/catalog"
	"launchgraph/internal/live"
	"launchgraph/internal/outbox"
	"launchgraph/internal/refcache"
	"launchgraph/internal/registration"
)

// Services are what the resolvers call. The composition root (package server) builds
// them; NewSchema only wires them to the resolvers.
type Services struct {
	// Client reads the data (node, the connections).
	Client *ent.Client
	// Registration runs register, cancel and moderation, and counts seats.
	Registration *registration.Service
	// Catalog makes the admin writes of the programme.
	Catalog *catalog.Service
	// Live serves the subscriptions.
	Live *live.Service
	// Outbox retries failed notifications (nil: retryNotification is UNAVAILABLE).
	Outbox *outbox.Outbox
	// Refs serves launches' regions and formats from memory (nil: each is read).
	Refs *refcache.Cache
}

// Resolver is the dependency root of the resolvers.
type Resolver struct {
	client       *ent.Client
	registration *registration.Service
	catalog      *catalog.Service
	live         *live.Service
	outbox       *outbox.Outbox
	refs         *refcache.Cache
}

// NewSchema returns the executable schema whose resolvers call s.
func NewSchema(s Services) graphql.ExecutableSchema {
	r := &Resolver{client: s.Client, registration: s.Registration, catalog: s.Catalog, live: s.Live, outbox: s.Outbox, refs: s.Refs}
	return NewExecutableSchema(Config{
		Resolvers:  r,
		Directives: DirectiveRoot{Admin: adminDirective},
	})
}
