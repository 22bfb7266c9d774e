package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/export"
)

// handleRegistrantsCSV serves GET /exports/launches/{slug}/registrants.csv: 401 without an
// API key (the auth middleware already refuses a bad one), 403 for a partner key, 404 for
// an unknown launch, else the CSV (internal/export), streamed page by page.
func handleRegistrantsCSV(client *ent.Client, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		w.Header().Set("Cache-Control", "no-store")
		v := auth.FromContext(ctx)
		switch {
		case v.Role == auth.Public:
			w.Header().Set("WWW-Authenticate", `Bearer realm="launchgraph"`)
			writeError(w, r, apperr.Errorf(apperr.Unauthenticated, "an ADMIN API key is required"))
			return
		case authz.RequireAdmin(ctx) != nil:
			writeError(w, r, apperr.Errorf(apperr.Forbidden, "an ADMIN API key is required"))
			return
		}
		slug := r.PathValue("slug")
		l, err := client.Launch.Query().Where(launch.Slug(slug)).Only(ctx)
		if ent.IsNotFound(err) {
			err = apperr.Errorf(apperr.NotFound, "no launch %q", slug)
		}
		if err != nil {
			failed(w, r, logger, "export: load launch", err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-registrants.csv"`, l.Slug))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		flush := func() error { return http.NewResponseController(w).Flush() }
		if err := export.Write(ctx, client, l.ID, w, flush); err != nil {
			// The status is sent: all that is left is to stop. The client sees a truncated file.
			logger.ErrorContext(ctx, "export: streaming registrants", "slug", slug, "err", err)
		}
	})
}
