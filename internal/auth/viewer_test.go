package auth

import (
	"context"
	"testing"
)

func TestViewerFromContext(t *testing.T) {
	tests := []struct {
		name        string
		ctx         context.Context
		role        Role
		admin, sees bool
	}{
		{"empty context is public", context.Background(), Public, false, false},
		{"partner", WithViewer(context.Background(), Viewer{Role: Partner, KeyID: 7}), Partner, false, true},
		{"admin", WithViewer(context.Background(), Viewer{Role: Admin}), Admin, true, true},
		{"registrant scope stays public", WithRegistrant(context.Background(), 42), Public, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := FromContext(tt.ctx)
			if v.Role != tt.role || v.IsAdmin() != tt.admin || v.SeesDrafts() != tt.sees {
				t.Fatalf("got %+v admin=%v sees=%v", v, v.IsAdmin(), v.SeesDrafts())
			}
		})
	}
	if got := FromContext(WithRegistrant(context.Background(), 42)).RegistrantID; got != 42 {
		t.Fatalf("RegistrantID = %d, want 42", got)
	}
}
