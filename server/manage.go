package main

import (
	"net/http"

	"launchgraph/internal/manage"
)

// addManage serves the registrants' manage page (/manage), linked from their emails
// unless MANAGE_URL names a frontend's page, to which /manage then redirects.
func addManage(mux *http.ServeMux, a *app) {
	m := manage.New(a.db.Client, a.registration, a.logger, a.cfg.Mail.ManageURL)
	mux.Handle("GET "+manage.Path, m.Page())
	mux.Handle("POST "+manage.CancelPath, m.Cancel())
	mux.Handle("GET "+manage.CalendarPath, m.Calendar())
}
