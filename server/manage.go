package main

import (
	"log/slog"
	"net/http"

	"launchgraph/internal/manage"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
)

// addManage serves the registrants' manage page (/manage), linked from their emails
// unless MANAGE_URL names a frontend's page, to which /manage then redirects.
func addManage(mux *http.ServeMux, logger *slog.Logger, db *store.DB, cfg config) {
	var opts []registration.Option
	if cfg.Mail.outbox != nil {
		opts = append(opts, registration.WithNotifier(cfg.Mail.outbox))
	}
	m := manage.New(db.Client, registration.NewService(db.Client, opts...), logger, cfg.Mail.ManageURL)
	mux.Handle("GET "+manage.Path, m.Page())
	mux.Handle("POST "+manage.CancelPath, m.Cancel())
	mux.Handle("GET "+manage.CalendarPath, m.Calendar())
}
