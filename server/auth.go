package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/ratelimit"
	"launchgraph/internal/requestid"
	"launchgraph/internal/store"
)

// keyCacheConfig sizes the API-key cache for the store: on PostgreSQL revocations reach
// every replica as events at once, so a key is re-read every 30 s (its last use is
// recorded then) and the sockets of watched keys are re-read every 30 s in case an event
// was lost; on SQLite a revocation by another process (the apikey command) sends no
// event, so both happen twice a second.
func keyCacheConfig(dialect string) auth.KeyCacheConfig {
	if dialect == "postgres" {
		return auth.KeyCacheConfig{TTL: 30 * time.Second, Sweep: 30 * time.Second}
	}
	return auth.KeyCacheConfig{TTL: 500 * time.Millisecond, Sweep: 500 * time.Millisecond}
}

// newKeyCache returns the server's key cache, following the store's key events until ctx
// ends (shutdown).
func newKeyCache(ctx context.Context, logger *slog.Logger, db *store.DB, override auth.KeyCacheConfig) *auth.KeyCache {
	cfg := keyCacheConfig(db.Dialect)
	if override.TTL > 0 {
		cfg = override
	}
	keys := auth.NewKeyCache(db.Client, cfg)
	db.OnKeyChange(keys.Forget) // this process's own revocations, before they return
	if err := keys.Follow(ctx, db.Events, func(err error) { logger.Warn("auth: key events", "err", err) }); err != nil {
		logger.Warn("auth: revocations reach this replica only through the cache's TTL", "err", err)
	}
	return keys
}

// authenticate puts the request's viewer in its context: public without an Authorization
// header, the key's partner or admin viewer with `Authorization: Bearer <key>`. Any other
// Authorization, and a malformed, unknown, revoked or expired key, is refused with 401 and
// UNAUTHENTICATED (never downgraded to public), and counts against the client IP's
// anonymous budget, so that guessing keys is rate limited too. Keys are not logged.
func authenticate(keys *auth.KeyCache, limiter *ratelimit.Limiter, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			values := r.Header.Values("Authorization")
			if len(values) == 0 {
				next.ServeHTTP(w, r.WithContext(auth.WithViewer(ctx, auth.Viewer{Role: auth.Public})))
				return
			}
			refuse := func(msg string) {
				if e := limiter.Request(ctx, auth.Viewer{Role: auth.Public}, ratelimit.ClientIP(ctx)); e != nil {
					writeError(w, r, e)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="launchgraph", error="invalid_token"`)
				writeError(w, r, apperr.Errorf(apperr.Unauthenticated, "%s", msg))
			}
			key, ok := bearerKey(values)
			if !ok {
				refuse(`the Authorization header must be "Bearer <API key>"`)
				return
			}
			v, err := keys.Authenticate(ctx, key)
			if err != nil {
				if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated {
					logger.InfoContext(ctx, "auth: credentials refused", "request_id", requestid.From(ctx), "reason", e.Message)
					refuse(e.Message)
					return
				}
				logger.ErrorContext(ctx, "auth: checking API key", "request_id", requestid.From(ctx), "err", err)
				writeError(w, r, apperr.Errorf(apperr.Unavailable, "the API key could not be checked, try again later"))
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithViewer(ctx, v)))
		})
	}
}

// bearerKey returns the key of a single `Bearer <key>` Authorization value.
func bearerKey(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return "", false
	}
	return key, true
}
