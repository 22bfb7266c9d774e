package graph

import (
	"context"
	"log/slog"
	"time"

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
	// Limits bound depth, aliases, tokens and cost of each operation.
	Limits Limits
	// OperationTimeout bounds one query or mutation; zero means none.
	OperationTimeout time.Duration
	// Observer receives operation and error counts; nil records nothing. When it is also
	// a StreamObserver, it counts websockets and subscriptions too.
	Observer Observer
	// AllowedOrigins may open websockets (as for CORS); empty means same origin only.
	AllowedOrigins []string
	// Streams ends every websocket and subscription when it is done (shutdown); nil never.
	Streams context.Context
	// Schema is the executable schema served (NewSchema).
	Schema graphql.ExecutableSchema
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
	limits := cfg.Limits.withDefaults()
	schema := cfg.Schema
	srv := handler.New(schema)
	streamObs, _ := cfg.Observer.(StreamObserver)
	// Subscriptions: websockets (graphql-transport-ws, graphql-ws) and SSE (stream.go).
	srv.AddTransport(websocketTransport(client, cfg.AllowedOrigins, cfg.Streams, streamObs))
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	size := cfg.QueryCacheSize
	if size <= 0 {
		size = 1000
	}
	srv.SetQueryCache(lru.New[*ast.QueryDocument](size))
	// Automatic persisted queries: after one request with the text, clients send only its
	// SHA-256, which keeps GET URLs short and cacheable.
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](size)})
	srv.SetParserTokenLimit(limits.MaxTokens)
	// Without introspection, "Did you mean …" hints would reveal the schema all the same.
	srv.SetDisableSuggestion(!cfg.Introspection)
	if !cfg.Introspection {
		srv.SetValidationRulesFn(rulesWithoutSuggestions)
	}
	srv.Use(introspectionPolicy{anonymous: cfg.Introspection})
	srv.Use(plainSubscriptions{}) // subscriptions only over websockets and SSE (plainhttp.go)
	srv.Use(shapeLimit{limits})
	srv.Use(PageLimit{})
	srv.Use(entgql.Transactioner{TxOpener: client, SkipTxFunc: skipTx(schema.Schema())}) // @ownTransaction fields (tx.go)
	// An operation without a viewer reads as public, never as trusted internal code.
	srv.AroundOperations(publicViewer)
	srv.AroundOperations(requestScope(client)) // Accept-Language, per-request loaders (scope.go)
	srv.AroundFields(convertTimes)             // `tz` on every time field (tz.go)
	srv.Use(publicCache{})                     // lets internal/httpcache cache public GETs (scope.go)
	srv.AroundOperations(boundOperations(cfg.OperationTimeout))
	srv.AroundOperations(boundStreams(cfg.Streams, streamObs))
	if cfg.Observer != nil {
		srv.AroundResponses(observeResponses(cfg.Observer))
	}
	srv.AroundRootFields(nameAuditedOperation)
	srv.SetErrorPresenter(NewErrorPresenter(logger))
	srv.SetRecoverFunc(NewRecoverFunc(logger))
	return srv
}
