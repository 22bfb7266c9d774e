package graph

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestCapErrors(t *testing.T) {
	tests := []struct{ in, want int }{{0, 0}, {1, 1}, {MaxErrors + 1, MaxErrors + 1}, {MaxErrors + 2, MaxErrors + 1}, {5000, MaxErrors + 1}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			resp := &graphql.Response{}
			for i := range tt.in {
				resp.Errors = append(resp.Errors, &gqlerror.Error{Message: fmt.Sprint(i), Extensions: map[string]any{"code": "NOT_FOUND"}})
			}
			got := capErrors(context.Background(), func(context.Context) *graphql.Response { return resp })
			if len(got.Errors) != tt.want {
				t.Fatalf("%d errors, want %d", len(got.Errors), tt.want)
			}
			if tt.in > MaxErrors+1 {
				last := got.Errors[MaxErrors]
				if want := fmt.Sprintf("too many errors: %d more are not shown", tt.in-MaxErrors); last.Message != want {
					t.Errorf("last error %q, want %q", last.Message, want)
				}
			}
		})
	}
}
