package graph

import (
	"context"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"launchgraph/internal/shed"
)

// TestShedReleasedPlace: with one place, a second operation is refused while the first
// runs, unless the first gave its place back (shed.Release) — and a released place is not
// given back twice when the first operation's response comes.
func TestShedReleasedPlace(t *testing.T) {
	mw := shedLoad(Shedding{Running: 1, Waiting: 1, Wait: 20 * time.Millisecond})
	op := graphql.WithOperationContext(context.Background(),
		&graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Query}})
	ok := func(context.Context) graphql.ResponseHandler {
		return graphql.OneShot(&graphql.Response{Data: []byte(`{}`)})
	}
	refused := func(h graphql.ResponseHandler) bool { return len(h(op).Errors) > 0 }
	for _, tc := range []struct {
		name    string
		release bool
		want    bool // the second operation refused
	}{
		{"place held", false, true},
		{"place given back", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := mw(op, func(ctx context.Context) graphql.ResponseHandler {
				if tc.release {
					shed.Release(ctx)
					shed.Release(ctx)
				}
				return ok(ctx)
			})
			if got := refused(mw(op, ok)); got != tc.want {
				t.Fatalf("second operation refused: %v, want %v", got, tc.want)
			}
			if refused(first) {
				t.Fatal("first operation refused")
			}
			// The first operation's place is free again, exactly once: two operations
			// in a row run, a third alongside a held one is refused.
			held := mw(op, ok)
			if !refused(mw(op, ok)) {
				t.Fatal("a place was given back twice")
			}
			_ = held(op)
			if refused(mw(op, ok)) {
				t.Fatal("the place was not given back")
			}
		})
	}
}
