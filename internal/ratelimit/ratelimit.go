// Package ratelimit holds the request budgets of every transport: anonymous callers per
// client IP, partner keys per key, and register mutations per client IP, each a number per
// minute in a sliding window (go-chi/httprate's counter). An HTTP request, a websocket
// operation and an SSE request each count once; admins are never limited.
package ratelimit

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/httprate"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// Window is the length of every budget's window.
const Window = time.Minute

// Config holds the budgets per Window; zero disables one.
type Config struct {
	// Anonymous is the requests of anonymous callers per client IP.
	Anonymous int
	// Register is the register mutations per client IP (anonymous callers).
	Register int
	// Partner is the requests per partner key.
	Partner int
}

// Limiter counts requests against the budgets. The zero of a *Limiter (nil) limits nothing.
type Limiter struct {
	anonymous, register, partner *budget
}

// budget is one counter with its limit.
type budget struct{ rl *httprate.RateLimiter }

// New returns a Limiter of cfg's budgets.
func New(cfg Config) *Limiter {
	return &Limiter{anonymous: newBudget(cfg.Anonymous), register: newBudget(cfg.Register), partner: newBudget(cfg.Partner)}
}

func newBudget(n int) *budget {
	if n <= 0 {
		return nil
	}
	return &budget{rl: httprate.NewRateLimiter(n, Window)}
}

// Request counts one request of viewer v from client ip (anonymous per ip, partner per key,
// admin not at all). Over the budget it counts nothing and returns RATE_LIMITED with the
// time to wait.
func (l *Limiter) Request(ctx context.Context, v auth.Viewer, ip string) *apperr.Error {
	b, key := l.requestBudget(v, ip)
	return b.take(ctx, key, 1)
}

// Refund gives back the request counted by Request: a request refused for another reason
// (the register budget) does not use the general budget either.
func (l *Limiter) Refund(v auth.Viewer, ip string) {
	b, key := l.requestBudget(v, ip)
	if b != nil {
		// An increment of -1 through the limiter itself counts in its own window.
		b.rl.OnLimit(headerOnly{}, (&http.Request{}).WithContext(httprate.WithIncrement(context.Background(), -1)), key)
	}
}

// Register counts n register mutations of an anonymous caller from ip; over the budget it
// counts nothing and returns RATE_LIMITED.
func (l *Limiter) Register(ctx context.Context, v auth.Viewer, ip string, n int) *apperr.Error {
	if l == nil || v.Role != auth.Public {
		return nil
	}
	return l.register.take(ctx, "register:"+ip, n)
}

func (l *Limiter) requestBudget(v auth.Viewer, ip string) (*budget, string) {
	if l == nil {
		return nil, ""
	}
	switch v.Role {
	case auth.Admin:
		return nil, ""
	case auth.Partner:
		return l.partner, "key:" + strconv.Itoa(v.KeyID)
	}
	return l.anonymous, "ip:" + ip
}

// take counts n against key.
func (b *budget) take(ctx context.Context, key string, n int) *apperr.Error {
	if b == nil || n <= 0 {
		return nil
	}
	w := headerOnly{}
	r := (&http.Request{}).WithContext(httprate.WithIncrement(ctx, n))
	if !b.rl.OnLimit(w, r, key) {
		return nil
	}
	retry, _ := strconv.Atoi(w.Header().Get("Retry-After"))
	return &apperr.Error{
		Code:       apperr.RateLimited,
		Message:    "too many requests: slow down and retry after the time in Retry-After",
		RetryAfter: time.Duration(max(retry, 1)) * time.Second,
	}
}

// headerOnly is the http.ResponseWriter httprate.OnLimit writes its headers to.
type headerOnly http.Header

func (h headerOnly) Header() http.Header       { return http.Header(h) }
func (headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (headerOnly) WriteHeader(int)             {}

type ipKey struct{}

// WithClientIP returns ctx carrying the client's IP address (set once per HTTP request, and
// so for every operation of a websocket it opened).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// ClientIP returns the client IP in ctx, or "".
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}
