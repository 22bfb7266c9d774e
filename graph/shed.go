package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
	"launchgraph/internal/shed"
)

// Shedding bounds the queries and mutations that run at once; past the bound a few wait,
// briefly, and the rest are refused at once with UNAVAILABLE (503, Retry-After), instead
// of queueing for seconds on the database pool. Subscriptions are not counted, nor an
// operation from the moment it gives its place back (shed.Release: a registration queued
// for its group commit, bounded by the registration service's own queue).
type Shedding struct {
	// Running is how many operations run at once; default 2× the pool of 8.
	Running int
	// Waiting is how many more may wait for a turn; default 64.
	Waiting int
	// Wait is how long one waits at most; default 500 ms.
	Wait time.Duration
}

func (s Shedding) withDefaults() Shedding {
	if s.Running <= 0 {
		s.Running = 16
	}
	if s.Waiting <= 0 {
		s.Waiting = 64
	}
	if s.Wait <= 0 {
		s.Wait = 500 * time.Millisecond
	}
	return s
}

// shedLoad is the operation middleware of s.
func shedLoad(s Shedding) graphql.OperationMiddleware {
	s = s.withDefaults()
	running := make(chan struct{}, s.Running)
	var waiting atomic.Int32
	overloaded := func() graphql.ResponseHandler {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{coded(nil, &apperr.Error{
			Code: apperr.Unavailable, Message: "the server is overloaded: retry shortly", RetryAfter: time.Second,
		})}})
	}
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if oc := graphql.GetOperationContext(ctx); oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
			return next(ctx)
		}
		select {
		case running <- struct{}{}:
		default:
			if waiting.Add(1) > int32(s.Waiting) {
				waiting.Add(-1)
				return overloaded()
			}
			t := time.NewTimer(s.Wait)
			select {
			case running <- struct{}{}:
				t.Stop()
				waiting.Add(-1)
			case <-t.C:
				waiting.Add(-1)
				return overloaded()
			case <-ctx.Done():
				t.Stop()
				waiting.Add(-1)
				return overloaded()
			}
		}
		// The place is given back after the first response, or earlier by an operation
		// that waits on something bounded elsewhere (shed.Release).
		release := sync.OnceFunc(func() { <-running })
		h := next(shed.WithRelease(ctx, release))
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			release()
			return resp
		}
	}
}
