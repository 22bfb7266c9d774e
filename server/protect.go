package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/go-chi/httprate"
	"github.com/rs/cors"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/ratelimit"
)

// maxBodyBytes bounds a request body (1 MiB).
const maxBodyBytes = 1 << 20

// limitBody reads a request body up to maxBodyBytes, answering 413 as soon as it is larger
// (before reading further when Content-Length says so), and refuses batched JSON arrays.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBodyBytes {
			writeErrorStatus(w, r, http.StatusRequestEntityTooLarge, apperr.Errorf(apperr.BadUserInput, "request body is larger than 1 MiB"))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			writeError(w, r, apperr.Errorf(apperr.BadUserInput, "request body could not be read"))
			return
		}
		if len(body) > maxBodyBytes {
			writeErrorStatus(w, r, http.StatusRequestEntityTooLarge, apperr.Errorf(apperr.BadUserInput, "request body is larger than 1 MiB"))
			return
		}
		if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
			writeError(w, r, apperr.Errorf(apperr.BadUserInput, "batched requests are not supported: send one operation per request"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// RateLimits are requests per minute; zero disables a limit.
type RateLimits = ratelimit.Config

// withClientIP puts the client IP in the request context, where the rate limits (of
// HTTP requests, refused keys, websocket operations and register mutations) find it.
func withClientIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(ratelimit.WithClientIP(r.Context(), clientIP(r))))
	})
}

// rateLimit counts every HTTP request against its viewer's budget (anonymous per client
// IP, partner per key; admins are not limited). Over the budget: 429 with Retry-After and
// RATE_LIMITED.
func rateLimit(limiter *ratelimit.Limiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if e := limiter.Request(ctx, auth.FromContext(ctx), ratelimit.ClientIP(ctx)); e != nil {
				writeError(w, r, e)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// clientIP is the peer address; X-Forwarded-For is not trusted (put a proxy's own limits
// in front when one is used).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return httprate.CanonicalizeIP(r.RemoteAddr)
	}
	return httprate.CanonicalizeIP(host)
}

// withCORS allows the configured origins to call the API from browsers. With none
// configured it adds nothing, so only same-origin pages can (rs/cors would allow every
// origin for an empty list).
func withCORS(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept", "Accept-Language", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id", "ETag", "Retry-After"},
		AllowCredentials: false,
		MaxAge:           600,
	})
	return c.Handler
}

// onlyJSONPosts refuses form and multipart POSTs to /graphql (a browser can send those
// cross-site without a preflight): 415.
func onlyJSONPosts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/graphql" {
			ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
			if ct != "application/json" && ct != "application/graphql-response+json" {
				writeErrorStatus(w, r, http.StatusUnsupportedMediaType, apperr.Errorf(apperr.BadUserInput, "POST /graphql takes application/json only"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
