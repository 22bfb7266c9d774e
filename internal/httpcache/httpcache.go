// Package httpcache lets shared caches (CDNs, proxies, browsers) keep public responses: a
// strong ETag over the body, If-None-Match answered with 304, and Cache-Control.
//
// For /graphql, Middleware buffers anonymous GET responses and makes them cacheable only
// when the GraphQL layer vouched for them with MarkPublic (a query without errors that
// selects no personal data). Everything else is `Cache-Control: no-store`. The response
// always varies on Accept, Authorization and Accept-Language.
package httpcache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Vary is what a /graphql response depends on besides its URL: the viewer, the language,
// and the media type (application/json or application/graphql-response+json).
const Vary = "Accept, Authorization, Accept-Language"

// ETag returns a strong entity tag of body.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// NotModified reports whether r's If-None-Match holds etag (or "*"), comparing weakly as
// RFC 9110 asks for If-None-Match.
func NotModified(r *http.Request, etag string) bool {
	for _, h := range r.Header.Values("If-None-Match") {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
				return true
			}
		}
	}
	return false
}

// PublicControl is the Cache-Control of a public response kept for maxAge.
func PublicControl(maxAge time.Duration) string {
	return fmt.Sprintf("public, max-age=%d", int(maxAge/time.Second))
}

// Serve writes body as a cacheable response: ETag, Cache-Control (cacheControl), and 304
// without a body when the request already holds this version.
func Serve(w http.ResponseWriter, r *http.Request, cacheControl string, body []byte) {
	etag := ETag(body)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if NotModified(r, etag) {
		h.Del("Content-Length")
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// verdict is set by the GraphQL layer for one request.
type verdict struct{ public atomic.Bool }

type verdictKey struct{}

// MarkPublic declares the response of ctx's request public: the same for every anonymous
// caller, free of personal data and errors. It does nothing outside Middleware.
func MarkPublic(ctx context.Context) {
	if v, ok := ctx.Value(verdictKey{}).(*verdict); ok {
		v.public.Store(true)
	}
}

// Middleware makes anonymous GET responses that the handler marked public (MarkPublic)
// cacheable for maxAge (0 disables caching); any other response gets no-store. It sets
// Vary on every response.
func Middleware(maxAge time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", Vary)
			if maxAge <= 0 || r.Method != http.MethodGet || r.Header.Get("Authorization") != "" {
				w.Header().Set("Cache-Control", "no-store")
				next.ServeHTTP(w, r)
				return
			}
			v := &verdict{}
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), verdictKey{}, v)))
			for k, vs := range rec.header {
				w.Header()[k] = vs
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			if rec.status != http.StatusOK || !v.public.Load() {
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(rec.status)
				_, _ = w.Write(rec.body.Bytes())
				return
			}
			Serve(w, r, PublicControl(maxAge), rec.body.Bytes())
		})
	}
}

// recorder buffers a response so that its ETag can be computed before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
