// Package graph is the GraphQL layer: the schema files, thin resolvers and gqlgen output.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"launchgraph/ent"
	"launchgraph/internal/catalog"
	"launchgraph/internal/events"
	"launchgraph/internal/live"
	"launchgraph/internal/outbox"
	"launchgraph/internal/registration"
)

// Resolver is the dependency root of the resolvers.
type Resolver struct {
	client *ent.Client
	// registration runs register, cancel and moderation, and Rebalance after a capacity change.
	registration *registration.Service
	// outbox writes registration emails in the changes' transactions and retries failed
	// ones; nil when the schema sends none.
	outbox *outbox.Outbox
	// events feeds the subscriptions; nil gives subscriptions that only ever emit their
	// first value.
	events events.Broker
	// live serves the subscriptions.
	live *live.Service
	// catalog makes the admin writes of the programme.
	catalog *catalog.Service
}

// SchemaOption configures NewSchema.
type SchemaOption func(*Resolver)

// WithOutbox makes every registrant state change write an email to o.
func WithOutbox(o *outbox.Outbox) SchemaOption { return func(r *Resolver) { r.outbox = o } }

// WithEvents feeds the subscriptions from b (store.DB.Events).
func WithEvents(b events.Broker) SchemaOption { return func(r *Resolver) { r.events = b } }

// WithRegistration makes the resolvers register through svc.
func WithRegistration(svc *registration.Service) SchemaOption {
	return func(r *Resolver) { r.registration = svc }
}

// NewSchema returns the executable schema over an ent client.
func NewSchema(client *ent.Client, opts ...SchemaOption) graphql.ExecutableSchema {
	r := &Resolver{client: client}
	for _, o := range opts {
		o(r)
	}
	if r.registration == nil {
		var regOpts []registration.Option
		if r.outbox != nil {
			regOpts = append(regOpts, registration.WithNotifier(r.outbox))
		}
		r.registration = registration.NewService(client, regOpts...)
	}
	if r.events == nil {
		r.events = events.NewHub()
	}
	r.live = live.NewService(client, r.events, r.registration)
	r.catalog = catalog.New(client, r.registration)
	return NewExecutableSchema(Config{
		Resolvers:  r,
		Directives: DirectiveRoot{Admin: adminDirective},
	})
}
