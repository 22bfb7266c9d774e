package graph

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/ent"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// Websocket settings.
const (
	// MaxSubscriptionsPerSocket bounds the active subscriptions of one websocket.
	MaxSubscriptionsPerSocket = 20
	// MaxOperationsPerSocket bounds the queries and mutations of one websocket that run at
	// once; more wait for a turn (like requests on as many HTTP connections).
	MaxOperationsPerSocket = 8
	// CloseForbidden is the close code of a refused connection_init (bad API key).
	CloseForbidden = 4403
	wsReadLimit    = int64(1 << 20)
)

// StreamTimings are the keep-alive and timeout intervals of websockets and SSE; zero
// values take the defaults.
type StreamTimings struct {
	// KeepAlive is how often an idle websocket gets a ping (graphql-transport-ws, which the
	// client must answer with a pong within twice the interval) or a ka (graphql-ws);
	// default 10 s.
	KeepAlive time.Duration
	// InitTimeout is how long a websocket may wait before connection_init (then 4408);
	// default 5 s.
	InitTimeout time.Duration
	// WriteTimeout drops a client that does not take a message within it; default 10 s.
	WriteTimeout time.Duration
	// SSEHeartbeat is how often an idle SSE stream gets a comment line, so that proxies
	// with a 60 s idle timeout keep it; default 15 s.
	SSEHeartbeat time.Duration
}

func (t StreamTimings) withDefaults() StreamTimings {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.KeepAlive, 10*time.Second)
	def(&t.InitTimeout, 5*time.Second)
	def(&t.WriteTimeout, 10*time.Second)
	def(&t.SSEHeartbeat, 15*time.Second)
	return t
}

// StreamObserver counts websockets and subscriptions; internal/metrics implements it.
type StreamObserver interface {
	WebsocketOpened()
	WebsocketClosed()
	SubscriptionStarted()
	SubscriptionEnded()
}

// socketState is what one websocket connection keeps in its context.
type socketState struct {
	active atomic.Int32
	// running holds a token per query or mutation running (MaxOperationsPerSocket).
	running chan struct{}
	// cancel ends the connection's context (CloseFunc): its subscriptions and counters.
	cancel context.CancelFunc
}

type socketKey struct{}

// websocketTransport accepts graphql-transport-ws and graphql-ws connections from the
// allowed origins (same origin only when none), authenticates the connection_init payload
// and closes the socket when streams ends (shutdown).
func websocketTransport(client *ent.Client, origins []string, streams context.Context, obs StreamObserver, timings StreamTimings) transport.Websocket {
	limit := wsReadLimit
	return transport.Websocket{
		Implementation: protocolImplementation{
			inner: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
				OriginPatterns: originPatterns(origins),
			}},
			writeTimeout: timings.WriteTimeout,
		},
		KeepAlivePingInterval: timings.KeepAlive, // graphql-ws
		PingPongInterval:      timings.KeepAlive, // graphql-transport-ws
		InitTimeout:           timings.InitTimeout,
		PayloadReadLimit:      &limit,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			v, err := initViewer(ctx, client, p)
			if err != nil {
				return transport.WithWebsocketCloseCode(ctx, CloseForbidden), nil, err
			}
			ctx = auth.WithViewer(ctx, v)
			ctx, cancel := context.WithCancel(ctx)
			ctx = context.WithValue(ctx, socketKey{}, &socketState{cancel: cancel, running: make(chan struct{}, MaxOperationsPerSocket)})
			if streams != nil {
				context.AfterFunc(streams, cancel) // shutdown closes the socket
			}
			if obs != nil {
				obs.WebsocketOpened()
				context.AfterFunc(ctx, obs.WebsocketClosed)
			}
			return ctx, nil, nil
		},
		CloseFunc: func(ctx context.Context, _ int) {
			if s, ok := ctx.Value(socketKey{}).(*socketState); ok {
				s.cancel()
			}
		},
	}
}

// initViewer authenticates the connection_init payload {"authorization": "Bearer <key>"};
// without one, the upgrade request's viewer stays (public unless it sent a key).
func initViewer(ctx context.Context, client *ent.Client, p transport.InitPayload) (auth.Viewer, error) {
	raw := p.Authorization()
	if raw == "" {
		if s, ok := p["Authorization"].(string); ok {
			raw = s
		}
	}
	if raw == "" {
		return auth.FromContext(ctx), nil
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(raw), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return auth.Viewer{}, errors.New(`forbidden: authorization must be "Bearer <API key>"`)
	}
	v, err := auth.Authenticate(ctx, client, strings.TrimSpace(key))
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated {
			return auth.Viewer{}, errors.New("forbidden: " + e.Message)
		}
		return auth.Viewer{}, errors.New("forbidden: the API key could not be checked")
	}
	return v, nil
}

// originPatterns turns ALLOWED_ORIGINS (full origins such as https://example.org) into
// host patterns; none leaves only same-origin upgrades.
func originPatterns(origins []string) []string {
	var out []string
	for _, o := range origins {
		if o == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		} else {
			out = append(out, o)
		}
	}
	return out
}

// boundStreams counts subscriptions (obs), refuses more than MaxSubscriptionsPerSocket
// active on one websocket, lets at most MaxOperationsPerSocket queries and mutations of one
// websocket run at once, and ends every subscription when streams ends (shutdown).
func boundStreams(streams context.Context, obs StreamObserver) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		socket, onSocket := ctx.Value(socketKey{}).(*socketState)
		if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
			if !onSocket {
				return next(ctx)
			}
			return socket.runOperation(ctx, next)
		}
		if onSocket {
			if socket.active.Add(1) > MaxSubscriptionsPerSocket {
				socket.active.Add(-1)
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
					Message:    "at most 20 subscriptions may be active on one connection",
					Extensions: map[string]any{"code": string(apperr.Forbidden)},
				}}})
			}
			context.AfterFunc(ctx, func() { socket.active.Add(-1) })
		}
		ctx, cancel := context.WithCancel(ctx)
		if streams != nil {
			context.AfterFunc(streams, cancel)
		}
		if obs != nil {
			obs.SubscriptionStarted()
			context.AfterFunc(ctx, obs.SubscriptionEnded)
		}
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp == nil {
				cancel()
			}
			return resp
		}
	}
}

// runOperation runs a query or mutation of the socket when one of its turns is free.
func (s *socketState) runOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	select {
	case s.running <- struct{}{}:
	case <-ctx.Done():
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "the connection closed before the operation ran",
			Extensions: map[string]any{"code": string(apperr.Unavailable)},
		}}})
	}
	h := next(ctx)
	released := false
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if !released {
			released = true
			<-s.running
		}
		return resp
	}
}
