package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
)

// maxBodyBytes bounds a request body (1 MiB).
const maxBodyBytes = 1 << 20

// writeCodedError answers with a GraphQL-shaped error body and an HTTP status.
func writeCodedError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": string(code)}}},
	})
}

// limitBody reads a request body up to maxBodyBytes, answering 413 as soon as it is larger
// (before reading further when Content-Length says so), and refuses batched JSON arrays.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBodyBytes {
			writeCodedError(w, http.StatusRequestEntityTooLarge, apperr.BadUserInput, "request body is larger than 1 MiB")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			writeCodedError(w, http.StatusBadRequest, apperr.BadUserInput, "request body could not be read")
			return
		}
		if len(body) > maxBodyBytes {
			writeCodedError(w, http.StatusRequestEntityTooLarge, apperr.BadUserInput, "request body is larger than 1 MiB")
			return
		}
		if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
			writeCodedError(w, http.StatusBadRequest, apperr.BadUserInput, "batched requests are not supported: send one operation per request")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// RateLimits are requests per minute; zero disables a limit.
type RateLimits struct {
	Anonymous int // per client IP, anonymous requests
	Register  int // per client IP, register mutations
	Partner   int // per partner key
}

// rateLimit limits anonymous callers per IP (register more strictly) and partners per key;
// admins are not limited. Over the limit: 429 with Retry-After and RATE_LIMITED.
func rateLimit(limits RateLimits) func(http.Handler) http.Handler {
	limiter := func(n int) *httprate.RateLimiter {
		if n <= 0 {
			return nil
		}
		return httprate.NewRateLimiter(n, time.Minute, httprate.WithLimitHandler(func(w http.ResponseWriter, _ *http.Request) {
			writeCodedError(w, http.StatusTooManyRequests, apperr.RateLimited, "too many requests: slow down and retry after the time in Retry-After")
		}))
	}
	anon, register, partner := limiter(limits.Anonymous), limiter(limits.Register), limiter(limits.Partner)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := auth.FromContext(r.Context())
			switch v.Role {
			case auth.Admin:
			case auth.Partner:
				if partner != nil && partner.RespondOnLimit(w, r, "key:"+strconv.Itoa(v.KeyID)) {
					return
				}
			default:
				ip := clientIP(r)
				if register != nil && isRegister(r) && register.RespondOnLimit(w, r, "register:"+ip) {
					return
				}
				if anon != nil && anon.RespondOnLimit(w, r, "ip:"+ip) {
					return
				}
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

// isRegister reports whether a (buffered) POST body is a mutation calling register.
func isRegister(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || !bytes.Contains(body, []byte("register")) {
		return false
	}
	var req struct {
		Query         string `json:"query"`
		OperationName string `json:"operationName"`
	}
	if json.Unmarshal(body, &req) != nil {
		return false
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: req.Query})
	if err != nil {
		return false
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Mutation {
			continue
		}
		for _, sel := range op.SelectionSet {
			if f, ok := sel.(*ast.Field); ok && f.Name == "register" {
				return true
			}
		}
	}
	return false
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
				writeCodedError(w, http.StatusUnsupportedMediaType, apperr.BadUserInput, "POST /graphql takes application/json only")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
