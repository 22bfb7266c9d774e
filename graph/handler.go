package graph

import (
	"context"
	"log/slog"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"launchgraph/ent"
	"launchgraph/internal/audit"
)

// HandlerConfig configures the GraphQL endpoint.
type HandlerConfig struct {
	// Introspection allows schema introspection.
	Introspection bool
	// QueryCacheSize is the number of parsed queries kept (LRU).
	QueryCacheSize int
}

// nameAuditedOperation tells the audit log which mutation field made a change.
func nameAuditedOperation(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		ctx = audit.WithOperation(ctx, graphql.GetRootFieldContext(ctx).Field.Name)
	}
	return next(ctx)
}

// NewHandler returns the GraphQL HTTP handler over client: POST (JSON) and GET for
// queries, a parsed-query cache, mutations in one transaction each, coded errors.
func NewHandler(logger *slog.Logger, client *ent.Client, cfg HandlerConfig) *handler.Server {
	srv := handler.New(NewSchema(client))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	size := cfg.QueryCacheSize
	if size <= 0 {
		size = 1000
	}
	srv.SetQueryCache(lru.New[*ast.QueryDocument](size))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(PageLimit{})
	srv.Use(entgql.Transactioner{TxOpener: client})
	srv.AroundRootFields(nameAuditedOperation)
	srv.SetErrorPresenter(NewErrorPresenter(logger))
	srv.SetRecoverFunc(NewRecoverFunc(logger))
	return srv
}
