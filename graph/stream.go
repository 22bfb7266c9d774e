package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/ratelimit"
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

// socketConfig is what the websocket transport needs.
type socketConfig struct {
	keys    *auth.KeyCache
	limiter *ratelimit.Limiter
	origins []string
	streams context.Context // ends every socket (shutdown)
	obs     StreamObserver
	timings StreamTimings
}

// socketTransport is gqlgen's websocket transport, each connection's protocolConn
// reachable from its context (connHolder), so that it can be closed with a code of ours.
type socketTransport struct{ transport.Websocket }

// connHolder receives a connection's protocolConn when it is accepted; accepted is closed
// then.
type connHolder struct {
	conn     *protocolConn
	accepted chan struct{}
}

type connHolderKey struct{}

// Do serves one websocket. Once the connection is hijacked, it is served on a goroutine of
// its own and the request's goroutine returns: that one's stack grew through the middleware
// chain and the handshake, and would stay at that size for the socket's life, idle in its
// read loop. The socket's context is the request's without its cancellation (net/http
// cancels it when the handler returns); the socket's own end, the server's streams context
// (shutdown) and a revoked key end it as before.
func (t socketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	h := &connHolder{accepted: make(chan struct{})}
	ctx := context.WithValue(context.WithoutCancel(r.Context()), connHolderKey{}, h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.Websocket.Do(w, r.WithContext(ctx), exec)
	}()
	select {
	case <-h.accepted:
	case <-done: // refused before the upgrade: the response is written
	}
}

// websocketTransport accepts graphql-transport-ws and graphql-ws connections from the
// allowed origins (same origin only when none), authenticates the connection_init payload,
// closes the socket when its key is revoked or expires (4403) and when streams ends
// (shutdown).
func websocketTransport(s socketConfig) socketTransport {
	limit := wsReadLimit
	return socketTransport{transport.Websocket{
		Implementation: protocolImplementation{
			inner: coderImplementation{options: websocket.AcceptOptions{
				OriginPatterns: originPatterns(s.origins),
			}},
			writes: newWriteWatch(s.streams, s.timings.WriteTimeout),
			// Pings (graphql-transport-ws) and kas (graphql-ws) from a timer per socket
			// instead of gqlgen's goroutine per socket (KeepAlivePingInterval,
			// PingPongInterval left at 0).
			keepAlive: s.timings.KeepAlive,
		},
		InitTimeout:      s.timings.InitTimeout,
		PayloadReadLimit: &limit,
		InitFunc:         s.init,
		CloseFunc: func(ctx context.Context, _ int) {
			if st, ok := ctx.Value(socketKey{}).(*socketState); ok {
				st.cancel()
			}
		},
	}}
}

// init accepts a connection_init: a bad key closes with 4403, a key that cannot be checked
// now (the database is down) with 1013, which clients retry.
func (s socketConfig) init(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	v, err := s.initViewer(ctx, p)
	if err != nil {
		code := CloseForbidden
		if e, ok := apperr.As(err); ok && e.Code == apperr.Unavailable {
			code = CloseTryAgainLater
		}
		return transport.WithWebsocketCloseCode(ctx, code), nil, err
	}
	ctx = auth.WithViewer(ctx, v)
	ctx, cancel := context.WithCancel(ctx)
	ctx = context.WithValue(ctx, socketKey{}, &socketState{cancel: cancel, running: make(chan struct{}, MaxOperationsPerSocket)})
	unwatch := s.keys.Watch(v, func(reason string) {
		if h, ok := ctx.Value(connHolderKey{}).(*connHolder); ok && h.conn != nil {
			_ = h.conn.WriteClose(CloseForbidden, reason)
		}
		cancel()
	})
	if s.obs != nil {
		s.obs.WebsocketOpened()
	}
	// Shutdown closes the socket; the socket's subscriptions, its children, end with it. One
	// cleanup when it ends (each context.AfterFunc is a context of its own, and this runs
	// once per socket, 10,000 times over at a launch).
	stopStreams := afterFunc(s.streams, cancel)
	context.AfterFunc(ctx, func() {
		stopStreams()
		unwatch()
		if s.obs != nil {
			s.obs.WebsocketClosed()
		}
	})
	return ctx, nil, nil
}

// initViewer authenticates the connection_init payload {"authorization": "Bearer <key>"};
// without one, the upgrade request's viewer stays (public unless it sent a key). A refused
// key counts against the client IP's anonymous budget, as on HTTP.
func (s socketConfig) initViewer(ctx context.Context, p transport.InitPayload) (auth.Viewer, error) {
	raw := p.Authorization()
	if raw == "" {
		if v, ok := p["Authorization"].(string); ok {
			raw = v
		}
	}
	if raw == "" {
		return auth.FromContext(ctx), nil
	}
	refused := func(msg string) error {
		_ = s.limiter.Request(ctx, auth.Viewer{Role: auth.Public}, ratelimit.ClientIP(ctx))
		return errors.New("forbidden: " + msg)
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(raw), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return auth.Viewer{}, refused(`authorization must be "Bearer <API key>"`)
	}
	v, err := s.keys.Authenticate(ctx, strings.TrimSpace(key))
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated {
			return auth.Viewer{}, refused(e.Message)
		}
		return auth.Viewer{}, apperr.Errorf(apperr.Unavailable, "the API key could not be checked, try again later")
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
			return socket.runSubscription(ctx, obs, next)
		}
		// Over SSE: the stream's context ends with the request, at shutdown, or as soon as
		// the stream does.
		ctx, cancel := context.WithCancel(ctx)
		stopStreams := afterFunc(streams, cancel)
		if obs != nil {
			obs.SubscriptionStarted()
		}
		context.AfterFunc(ctx, func() {
			stopStreams()
			if obs != nil {
				obs.SubscriptionEnded()
			}
		})
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

// runSubscription starts a subscription of the socket unless MaxSubscriptionsPerSocket are
// active. Its context is a child of the socket's, which shutdown ends, and gqlgen ends it
// when the subscription ends however it ends: one cleanup then.
func (s *socketState) runSubscription(ctx context.Context, obs StreamObserver, next graphql.OperationHandler) graphql.ResponseHandler {
	if s.active.Add(1) > MaxSubscriptionsPerSocket {
		s.active.Add(-1)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "at most 20 subscriptions may be active on one connection",
			Extensions: map[string]any{"code": string(apperr.Forbidden)},
		}}})
	}
	if obs != nil {
		obs.SubscriptionStarted()
	}
	context.AfterFunc(ctx, func() {
		s.active.Add(-1)
		if obs != nil {
			obs.SubscriptionEnded()
		}
	})
	return next(ctx)
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

// afterFunc runs cancel when streams (the server's lifetime, ended at shutdown) ends; the
// returned stop must run as soon as what cancel ends is over: a hook left on streams would
// keep it (a socket's request, buffers and connection) reachable until the process ends.
func afterFunc(streams context.Context, cancel context.CancelFunc) (stop func() bool) {
	if streams == nil {
		return func() bool { return false }
	}
	return context.AfterFunc(streams, cancel)
}
