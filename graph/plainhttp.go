package graph

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
)

// msgSubscriptionOverHTTP tells a client (GraphiQL without its websocket, curl) how to
// run a subscription.
const msgSubscriptionOverHTTP = "a subscription needs a stream: open a websocket to /graphql " +
	"(graphql-transport-ws or graphql-ws) or POST with Accept: text/event-stream; " +
	"a plain POST or GET would only ever see the first event"

// IsStreamRequest reports whether an HTTP request opens a stream (a websocket upgrade or
// server-sent events): the requests that may carry subscriptions.
func IsStreamRequest(h http.Header) bool {
	return strings.EqualFold(h.Get("Upgrade"), "websocket") || strings.Contains(h.Get("Accept"), "text/event-stream")
}

// plainSubscriptions refuses a subscription sent as a plain POST or GET with
// OPERATION_NOT_SUPPORTED, rather than answering its first event as if it were a query.
type plainSubscriptions struct{}

func (plainSubscriptions) ExtensionName() string                   { return "PlainSubscriptions" }
func (plainSubscriptions) Validate(graphql.ExecutableSchema) error { return nil }

func (plainSubscriptions) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription || IsStreamRequest(oc.Headers) {
		return nil
	}
	return &gqlerror.Error{Message: msgSubscriptionOverHTTP, Extensions: map[string]any{"code": string(apperr.OperationNotSupported)}}
}
