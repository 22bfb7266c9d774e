package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/session"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/feeds"
	"launchgraph/internal/httpcache"
	"launchgraph/internal/i18n"
)

// calendarFeeds serves the iCalendar feeds that internal/feeds builds.
type calendarFeeds struct {
	client *ent.Client
	logger *slog.Logger
	maxAge time.Duration
}

// launches serves GET /feeds/launches.ics: one event per launch the viewer sees.
func (f calendarFeeds) launches() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.serve(w, r, func(ctx context.Context, lang string) (*ics.Calendar, error) {
			launches, err := f.client.Launch.Query().Order(launch.ByStartsAt(), launch.ByID()).All(ctx)
			if err != nil {
				return nil, fmt.Errorf("feeds: list launches: %w", err)
			}
			return feeds.AllLaunches(launches, lang), nil
		})
	})
}

// launch serves GET /feeds/launches/{file}, file being <slug>.ics: one event per session
// of the launch (the launch itself when it has no sessions yet).
func (f calendarFeeds) launch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
		if !ok || slug == "" {
			writeError(w, r, apperr.Errorf(apperr.NotFound, "no such feed: want /feeds/launches/<slug>.ics"))
			return
		}
		f.serve(w, r, func(ctx context.Context, lang string) (*ics.Calendar, error) {
			l, err := f.client.Launch.Query().Where(launch.Slug(slug)).Only(ctx)
			if err != nil {
				if ent.IsNotFound(err) {
					return nil, apperr.Errorf(apperr.NotFound, "no launch %q", slug)
				}
				return nil, fmt.Errorf("feeds: load launch %q: %w", slug, err)
			}
			sessions, err := l.QuerySessions().Order(session.ByStartsAt(), session.ByPosition(), session.ByID()).All(ctx)
			if err != nil {
				return nil, fmt.Errorf("feeds: sessions of %q: %w", slug, err)
			}
			return feeds.Programme(l, sessions, lang), nil
		})
	})
}

// serve picks the language (?lang=, else Accept-Language), builds the calendar as the
// request's viewer and writes it with an ETag.
func (f calendarFeeds) serve(w http.ResponseWriter, r *http.Request, build func(context.Context, string) (*ics.Calendar, error)) {
	ctx := r.Context()
	if _, ok := auth.ViewerFrom(ctx); !ok {
		ctx = auth.WithViewer(ctx, auth.Viewer{Role: auth.Public}) // never read as trusted code
	}
	w.Header().Add("Vary", httpcache.Vary)
	lang := i18n.Match(r.Header.Get("Accept-Language"))
	if q := r.URL.Query().Get("lang"); q != "" {
		var err error
		if lang, err = i18n.Parse("lang", q); err != nil {
			writeError(w, r, err)
			return
		}
	}
	cal, err := build(ctx, lang)
	if err != nil {
		failed(w, r, f.logger, "feeds: building a calendar", err)
		return
	}
	var b strings.Builder
	if err := feeds.Write(&b, cal); err != nil {
		failed(w, r, f.logger, "feeds: writing a calendar", err)
		return
	}
	control := "private, no-cache"
	if r.Header.Get("Authorization") == "" && f.maxAge > 0 {
		control = httpcache.PublicControl(f.maxAge)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	httpcache.Serve(w, r, control, []byte(b.String()))
}
