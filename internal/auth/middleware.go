package auth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"launchgraph/ent"
	"launchgraph/internal/apperr"
	"launchgraph/internal/requestid"
)

// Middleware puts the request's viewer in its context: public without an Authorization
// header, the key's partner or admin viewer with `Authorization: Bearer <key>`. Any other
// Authorization, and a malformed, unknown, revoked or expired key, is refused with 401 and
// a GraphQL-shaped UNAUTHENTICATED error, never downgraded to public. Keys are not logged.
func Middleware(client *ent.Client, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			values := r.Header.Values("Authorization")
			if len(values) == 0 {
				next.ServeHTTP(w, r.WithContext(WithViewer(ctx, Viewer{Role: Public})))
				return
			}
			key, ok := bearer(values)
			if !ok {
				unauthenticated(w, `the Authorization header must be "Bearer <API key>"`)
				return
			}
			v, err := Authenticate(ctx, client, key)
			if err != nil {
				if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated {
					logger.InfoContext(ctx, "auth: credentials refused",
						"request_id", requestid.From(ctx), "reason", e.Message)
					unauthenticated(w, e.Message)
					return
				}
				logger.ErrorContext(ctx, "auth: checking API key",
					"request_id", requestid.From(ctx), "err", err)
				writeError(w, http.StatusServiceUnavailable, map[string]any{
					"code":      string(apperr.Unavailable),
					"requestId": requestid.From(ctx),
				}, "the API key could not be checked, try again later")
				return
			}
			next.ServeHTTP(w, r.WithContext(WithViewer(ctx, v)))
		})
	}
}

// bearer returns the key of a single `Bearer <key>` Authorization value.
func bearer(values []string) (string, bool) {
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

// unauthenticated answers 401 with a Bearer challenge (RFC 6750).
func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="launchgraph", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, map[string]any{"code": string(apperr.Unauthenticated)}, msg)
}

// writeError answers status with a GraphQL response body holding one error.
func writeError(w http.ResponseWriter, status int, extensions map[string]any, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": extensions}},
	})
}
