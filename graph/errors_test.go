package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lib/pq"

	"launchgraph/ent/privacy"
	"launchgraph/internal/authz"
)

func TestPolicyDenialsAreForbidden(t *testing.T) {
	tests := []struct {
		name, msg string
		err       error
	}{
		{"authz rule", "only an admin may change Launch data", fmt.Errorf("ent: saving: %w", authz.Forbidden("Launch"))},
		{"bare deny rule", "not allowed", privacy.Denyf("ent/privacy: operation %s is not allowed", "OpDelete")},
		{"deny decision", "not allowed", fmt.Errorf("query: %w", privacy.Deny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := presentError(context.Background(), tt.err)
			if got.Extensions["code"] != "FORBIDDEN" || got.Message != tt.msg {
				t.Fatalf("got %q %v, want %q FORBIDDEN", got.Message, got.Extensions, tt.msg)
			}
		})
	}
}

// Issue 17.7: PostgreSQL starting up, shutting down or cancelling a statement is
// UNAVAILABLE, never INTERNAL.
func TestOutageErrorsAreUnavailable(t *testing.T) {
	//lint:ignore SA1019 pq.Error's Code field is of this type
	for _, code := range []pq.ErrorCode{"57P03", "57P01", "57014", "53300", "08006"} {
		t.Run(string(code), func(t *testing.T) {
			got := presentError(context.Background(), fmt.Errorf("ent: query: %w", &pq.Error{Code: code, Message: "x"}))
			if got.Extensions["code"] != "UNAVAILABLE" {
				t.Fatalf("got %q %v, want UNAVAILABLE", got.Message, got.Extensions)
			}
		})
	}
}

func TestInvalidValuesAreBadUserInput(t *testing.T) {
	got := presentError(context.Background(), fmt.Errorf("ent: %w", &pq.Error{Code: "22021", Message: "invalid byte sequence"}))
	if got.Extensions["code"] != "BAD_USER_INPUT" || strings.Contains(got.Message, "byte sequence") {
		t.Fatalf("got %q %v, want BAD_USER_INPUT without the driver's text", got.Message, got.Extensions)
	}
}
