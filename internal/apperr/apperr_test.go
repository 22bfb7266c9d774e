package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, ""},
		{"coded", Errorf(NotFound, "launch 3 not found"), NotFound},
		{"wrapped", fmt.Errorf("launch: %w", Invalid("timezone", "bad zone")), BadUserInput},
		{"plain", errors.New("pq: connection refused"), Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CodeOf(tt.err); got != tt.want {
				t.Fatalf("CodeOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMessageNamesField(t *testing.T) {
	got := Invalid("endsAt", "must not be before startsAt").Error()
	if want := "endsAt: must not be before startsAt"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
