package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"launchgraph/ent/launch"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// parseFeed parses an iCalendar body with the library that wrote it.
func parseFeed(t *testing.T, body []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	return cal
}

// prop returns an event's property value, "" when missing.
func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func events(cal *ics.Calendar) map[string]*ics.VEvent {
	out := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		out[e.Id()] = e
	}
	return out
}

func TestCalendarFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := newFeedKeys(t, seeded(t, db))
		p := newProgramme(t, db.Client)
		srv := testServer(t, db, func(c *config) { c.CacheMaxAge = time.Minute })
		feed := srv.URL + "/feeds/launches/berlin-forum.ics"

		resp, body := get(t, feed)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" ||
			resp.Header.Get("Cache-Control") != "public, max-age=60" || resp.Header.Get("ETag") == "" {
			t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
		cal := parseFeed(t, body)
		tzs := cal.Timezones()
		if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/Berlin" || !strings.Contains(string(body), "TZNAME:CEST") || !strings.Contains(string(body), "TZNAME:CET") {
			t.Errorf("VTIMEZONE: %d, body:\n%s", len(tzs), body)
		}
		evs := events(cal)
		if len(evs) != 4 {
			t.Fatalf("%d events, want one per session", len(evs))
		}
		timed := []struct {
			id         int
			title      string
			start, end string
		}{
			{p.evening.ID, "Evening panel", "2020-10-24T21:00:00Z", "2020-10-24T23:30:00Z"},
			{p.night.ID, "Night owls", "2020-10-25T00:30:00Z", "2020-10-25T01:30:00Z"},
			{p.morning.ID, "Morning keynote", "2020-10-25T08:00:00Z", "2020-10-25T09:00:00Z"},
		}
		for _, w := range timed {
			e := evs[fmt.Sprintf("session-%d@launchgraph", w.id)]
			if e == nil {
				t.Fatalf("no event for session %d", w.id)
			}
			start, err1 := e.GetStartAt()
			end, err2 := e.GetEndAt()
			if err1 != nil || err2 != nil || start.UTC().Format(time.RFC3339) != w.start || end.UTC().Format(time.RFC3339) != w.end {
				t.Errorf("%s: %v – %v (%v, %v), want %s – %s", w.title, start, end, err1, err2, w.start, w.end)
			}
			// Local times with the zone, but for the session whose wall times happen twice.
			wantTZID := "Europe/Berlin"
			if w.id == p.night.ID {
				wantTZID = ""
			}
			if tzid := e.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["TZID"]; strings.Join(tzid, "") != wantTZID {
				t.Errorf("%s: DTSTART TZID %v, want %q", w.title, tzid, wantTZID)
			}
			if prop(e, ics.ComponentPropertySummary) != w.title || prop(e, ics.ComponentPropertySequence) != "0" ||
				prop(e, ics.ComponentPropertyLocation) != "Hall A, Palais am Funkturm, Berlin" ||
				prop(e, ics.ComponentPropertyUrl) != "https://www.itu.int/en/ITU-D/Cybersecurity/Pages/COP/2020/" {
				t.Errorf("%s: summary %q sequence %q location %q url %q", w.title, prop(e, ics.ComponentPropertySummary),
					prop(e, ics.ComponentPropertySequence), prop(e, ics.ComponentPropertyLocation), prop(e, ics.ComponentPropertyUrl))
			}
			if lm, err := e.GetLastModifiedAt(); err != nil || !lm.Equal(p.launch.UpdatedAt.Truncate(time.Second)) && !lm.After(p.launch.UpdatedAt.Add(-time.Second)) {
				t.Errorf("%s: LAST-MODIFIED %v (%v)", w.title, lm, err)
			}
		}
		side := evs[fmt.Sprintf("session-%d@launchgraph", p.unplanned.ID)]
		if v := side.GetProperty(ics.ComponentPropertyDtStart); v.Value != "20201025" || v.ICalParameters["VALUE"][0] != "DATE" ||
			side.GetProperty(ics.ComponentPropertyDtEnd).Value != "20201026" {
			t.Errorf("side event: DTSTART %+v DTEND %+v, want the date 2020-10-25 all day", v, side.GetProperty(ics.ComponentPropertyDtEnd))
		}

		// Unchanged: 304. A change: a new ETag and a higher SEQUENCE for that event only.
		etag := resp.Header.Get("ETag")
		if resp, body := get(t, feed, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: status %d, %d bytes", resp.StatusCode, len(body))
		}
		dataAs(t, srv.URL, keys.admin, `mutation($id: ID!) { updateSession(id: $id, input: {title: "Morning keynote (moved)",
			startsAt: "2020-10-25T09:00:00Z", endsAt: "2020-10-25T10:00:00Z", translations: [{lang: "fr", title: "Discours du matin"}]}) { id } }`,
			map[string]any{"id": fmt.Sprint(p.morning.ID)}, new(any))
		resp, body = get(t, feed, "If-None-Match", etag)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
			t.Fatalf("after an update: status %d, ETag %s", resp.StatusCode, resp.Header.Get("ETag"))
		}
		evs = events(parseFeed(t, body))
		moved := evs[fmt.Sprintf("session-%d@launchgraph", p.morning.ID)]
		if start, _ := moved.GetStartAt(); prop(moved, ics.ComponentPropertySequence) != "1" || !start.Equal(time.Date(2020, 10, 25, 9, 0, 0, 0, time.UTC)) {
			t.Errorf("moved session: SEQUENCE %s, start %v", prop(moved, ics.ComponentPropertySequence), start)
		}
		if s := prop(evs[fmt.Sprintf("session-%d@launchgraph", p.night.ID)], ics.ComponentPropertySequence); s != "0" {
			t.Errorf("untouched session: SEQUENCE %s", s)
		}

		// ?lang= picks the language, falling back to English.
		_, body = get(t, feed+"?lang=fr")
		evs = events(parseFeed(t, body))
		if s := prop(evs[fmt.Sprintf("session-%d@launchgraph", p.morning.ID)], ics.ComponentPropertySummary); s != "Discours du matin" {
			t.Errorf("lang=fr: %q", s)
		}
		if s := prop(evs[fmt.Sprintf("session-%d@launchgraph", p.night.ID)], ics.ComponentPropertySummary); s != "Night owls" {
			t.Errorf("lang=fr fallback: %q", s)
		}
		if resp, _ := get(t, feed+"?lang=xx"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("lang=xx: status %d", resp.StatusCode)
		}

		// All launches: the public ones for the public; drafts too with a partner key.
		db.Client.Launch.Update().Where(launch.Slug("berlin-forum")).SetStatus(launch.StatusDRAFT).ExecX(context.Background())
		_, body = get(t, srv.URL+"/feeds/launches.ics")
		all := events(parseFeed(t, body))
		if len(all) != 5 || all[fmt.Sprintf("launch-%d@launchgraph", p.launch.ID)] != nil {
			t.Errorf("public feed: %d events (draft included: %v)", len(all), all[fmt.Sprintf("launch-%d@launchgraph", p.launch.ID)] != nil)
		}
		resp, body = get(t, srv.URL+"/feeds/launches.ics", bearer(keys.partner)...)
		if len(events(parseFeed(t, body))) != 6 || resp.Header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("partner feed: %d events, Cache-Control %q", len(events(parseFeed(t, body))), resp.Header.Get("Cache-Control"))
		}
		if resp, _ := get(t, feed); resp.StatusCode != http.StatusNotFound {
			t.Errorf("draft feed for the public: status %d, want 404", resp.StatusCode)
		}
		if resp, _ := get(t, feed, bearer(keys.partner)...); resp.StatusCode != http.StatusOK {
			t.Errorf("draft feed for a partner: status %d", resp.StatusCode)
		}
		// A seeded launch whose hours are unknown is all-day: 26–30 Oct 2020 in Addis Ababa.
		var africa *ics.VEvent
		for _, e := range all {
			if strings.Contains(prop(e, ics.ComponentPropertyUrl), "africafeeds") {
				africa = e
			}
		}
		if africa == nil || prop(africa, ics.ComponentPropertyDtStart) != "20201026" || prop(africa, ics.ComponentPropertyDtEnd) != "20201031" {
			t.Errorf("Africa launch: %v", africa)
		}
		for _, path := range []string{"/feeds/launches/no-such-launch.ics", "/feeds/launches/berlin-forum"} {
			if resp, _ := get(t, srv.URL+path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d", path, resp.StatusCode)
			}
		}
	})
}
