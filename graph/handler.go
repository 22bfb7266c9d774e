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
	"launchgraph/internal/auth"
	"launchgraph/internal/live"
	"launchgraph/internal/ratelimit"
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
	// AnonymousReadTimeout bounds an anonymous query when shorter than OperationTimeout
	// (its statements are cancelled in the database when it passes); zero means the same.
	AnonymousReadTimeout time.Duration
	// Observer receives operation and error counts; nil records nothing. When it is also
	// a StreamObserver, it counts websockets and subscriptions too.
	Observer Observer
	// AllowedOrigins may open websockets (as for CORS); empty means same origin only.
	AllowedOrigins []string
	// Streams ends every websocket and subscription when it is done (shutdown); nil never.
	Streams context.Context
	// Shedding bounds the operations that run at once.
	Shedding Shedding
	// Keys checks the API keys of websockets and watches them (the server's HTTP
	// middleware uses the same cache); nil checks each key in the database.
	Keys *auth.KeyCache
	// Limiter holds the request and register budgets (the server's HTTP middleware counts
	// HTTP requests with the same one); nil limits nothing.
	Limiter *ratelimit.Limiter
	// StreamTimings times keep-alives and timeouts of websockets and SSE.
	StreamTimings StreamTimings
	// HTTP are the transports of plain HTTP requests (POST and GET), tried after
	// websockets and SSE; nil uses gqlgen's.
	HTTP []graphql.Transport
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

// addTransports adds the subscriptions' transports — websockets (graphql-transport-ws,
// graphql-ws; stream.go) and SSE — then OPTIONS and the plain HTTP ones (cfg.HTTP).
func addTransports(srv *handler.Server, client *ent.Client, cfg HandlerConfig, obs StreamObserver) {
	timings := cfg.StreamTimings.withDefaults()
	keys := cfg.Keys
	if keys == nil {
		keys = auth.NewKeyCache(client, auth.KeyCacheConfig{})
	}
	srv.AddTransport(websocketTransport(socketConfig{
		keys: keys, limiter: cfg.Limiter, origins: cfg.AllowedOrigins, streams: cfg.Streams, obs: obs, timings: timings,
	}))
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: timings.SSEHeartbeat})
	srv.AddTransport(transport.Options{})
	if cfg.HTTP == nil {
		cfg.HTTP = []graphql.Transport{transport.GET{}, transport.POST{}}
	}
	for _, t := range cfg.HTTP {
		srv.AddTransport(t)
	}
}

// NewHandler returns the GraphQL HTTP handler over client: POST (JSON) and GET for
// queries, a parsed-query cache, mutations in one transaction each, coded errors.
func NewHandler(logger *slog.Logger, client *ent.Client, cfg HandlerConfig) *handler.Server {
	limits := cfg.Limits.withDefaults()
	schema := cfg.Schema
	srv := handler.New(schema)
	streamObs, _ := cfg.Observer.(StreamObserver)
	addTransports(srv, client, cfg, streamObs)
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
	// Validation is bounded: fields per selection set, and at most MaxErrors errors.
	srv.SetValidationRulesFn(boundedRules(limits.MaxFields, cfg.Introspection))
	// Before any extension that reads the operation (entgql's Transactioner panics without
	// one): a request refused before parsing has none.
	srv.AroundResponses(ensureOperationContext)
	srv.Use(introspectionPolicy{anonymous: cfg.Introspection, logger: logger})
	srv.Use(plainSubscriptions{}) // subscriptions only over websockets and SSE (plainhttp.go)
	srv.Use(noDefer{})            // no transport sends @defer's later parts (defer.go)
	srv.Use(shapeLimit{limits})
	srv.Use(PageLimit{})
	srv.Use(textInput{})
	srv.Use(operationLimit{cfg.Limiter})                                                 // after the shape limits: a refused shape costs no budget
	srv.Use(entgql.Transactioner{TxOpener: client, SkipTxFunc: skipTx(schema.Schema())}) // @ownTransaction fields (tx.go)
	// An operation without a viewer reads as public, never as trusted internal code.
	srv.AroundOperations(publicViewer)
	srv.AroundOperations(requestScope(client)) // Accept-Language, per-request loaders (scope.go)
	srv.Use(fieldHooks{})                      // `tz` on time fields, default pages: only where asked (fields.go)
	srv.Use(publicCache{})                     // lets internal/httpcache cache public GETs (scope.go)
	srv.AroundOperations(boundOperations(cfg.OperationTimeout, cfg.AnonymousReadTimeout))
	srv.AroundOperations(boundStreams(cfg.Streams, streamObs))
	// Inside the sockets' own turns, so that one socket's queue cannot hold every turn.
	srv.AroundOperations(shedLoad(cfg.Shedding))
	// Innermost: identical subscriptions share one execution (fanout.go).
	srv.AroundOperations(shareSubscriptions(client, live.NewFanout()))
	if cfg.Observer != nil {
		srv.AroundResponses(observeResponses(cfg.Observer))
	}
	srv.AroundResponses(capErrors)
	srv.AroundRootFields(nameAuditedOperation)
	srv.SetErrorPresenter(NewErrorPresenter(logger))
	srv.SetRecoverFunc(NewRecoverFunc(logger))
	return srv
}
