package ratelimit

import (
	"context"
	"testing"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

func TestBudgets(t *testing.T) {
	ctx := context.Background()
	public, partner, admin := auth.Viewer{Role: auth.Public}, auth.Viewer{Role: auth.Partner, KeyID: 7}, auth.Viewer{Role: auth.Admin, KeyID: 1}
	tests := []struct {
		name string
		do   func(l *Limiter) *apperr.Error
		// allowed is how many calls of do succeed before the first refusal.
		allowed int
	}{
		{"anonymous per IP", func(l *Limiter) *apperr.Error { return l.Request(ctx, public, "10.0.0.1") }, 3},
		{"partner per key", func(l *Limiter) *apperr.Error { return l.Request(ctx, partner, "10.0.0.1") }, 5},
		{"register per IP", func(l *Limiter) *apperr.Error { return l.Register(ctx, public, "10.0.0.1", 1) }, 2},
		{"two registers at once", func(l *Limiter) *apperr.Error { return l.Register(ctx, public, "10.0.0.1", 2) }, 1},
		{"refunded requests do not count", func(l *Limiter) *apperr.Error {
			if e := l.Request(ctx, public, "10.0.0.1"); e != nil {
				return e
			}
			l.Refund(public, "10.0.0.1")
			return nil
		}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(Config{Anonymous: 3, Register: 2, Partner: 5})
			for i := range tt.allowed {
				if e := tt.do(l); e != nil {
					t.Fatalf("call %d refused: %v", i+1, e)
				}
			}
			if tt.allowed == 100 {
				return
			}
			e := tt.do(l)
			if e == nil || e.Code != apperr.RateLimited || e.RetryAfter <= 0 {
				t.Fatalf("call %d: %+v, want RATE_LIMITED with RetryAfter", tt.allowed+1, e)
			}
		})
	}
	t.Run("admins and partners have no register budget, admins no request budget", func(t *testing.T) {
		l := New(Config{Anonymous: 1, Register: 1, Partner: 1})
		for range 10 {
			if l.Request(ctx, admin, "10.0.0.1") != nil || l.Register(ctx, admin, "10.0.0.1", 1) != nil || l.Register(ctx, partner, "10.0.0.1", 1) != nil {
				t.Fatal("refused")
			}
		}
	})
	t.Run("other IPs have their own budget", func(t *testing.T) {
		l := New(Config{Anonymous: 1})
		if l.Request(ctx, public, "10.0.0.1") != nil || l.Request(ctx, public, "10.0.0.2") != nil {
			t.Fatal("refused")
		}
	})
	t.Run("nil and zero budgets limit nothing", func(t *testing.T) {
		var none *Limiter
		l := New(Config{})
		for range 10 {
			if none.Request(ctx, public, "x") != nil || l.Request(ctx, public, "x") != nil || l.Register(ctx, public, "x", 5) != nil {
				t.Fatal("refused")
			}
		}
	})
}
