package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"launchgraph/ent"
	"launchgraph/internal/store/storetest"
)

// checkICSLines asserts RFC 5545 §3.1 on a calendar: every line ends in CRLF, none is
// longer than 75 octets, folding never splits a UTF-8 character, and (when wantFolded)
// at least one line is folded.
func checkICSLines(t *testing.T, ics string, wantFolded bool) {
	t.Helper()
	if !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
		t.Fatalf("not a CRLF calendar: %q…", ics[:min(len(ics), 40)])
	}
	folded := 0
	for i, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		switch {
		case strings.ContainsAny(line, "\r\n"):
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		case len(line) > 75:
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		case !utf8.ValidString(line):
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if wantFolded && folded == 0 {
		t.Error("no folded line")
	}
}

// TestFeedsAreCRLF: both feeds end every line in CRLF and fold long lines at 75 octets.
func TestFeedsAreCRLF(t *testing.T) {
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db)
	long := strings.Repeat("Защита детей в интернете — ", 6)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetTitle(long).SetDescription(long + "\n" + long) })
	for _, path := range []string{"/feeds/launches.ics", "/feeds/launches/cis-2020.ics", "/feeds/launches/" + l.Slug + ".ics", "/feeds/launches.ics?lang=ar"} {
		resp, body := get(t, srv.URL+path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		checkICSLines(t, string(body), path != "/feeds/launches/cis-2020.ics")
	}
}

// icalEvent is an event as ical.js reads it (test/interop/ical.mjs).
type icalEvent struct {
	UID, Summary, Start, End string
	AllDay                   bool
	TZID                     *string
	Sequence                 int
}

// TestInteropICalJS parses the feeds with ical.js and checks that a calendar app shows
// what the API says: every visible launch, timed ones at the API's instants through
// their VTIMEZONE, all-day ones on the API's local dates (endsOn + 1: DTEND is exclusive).
func TestInteropICalJS(t *testing.T) {
	node := interopNode(t, "ical.js")
	db := seeded(t, storetest.SQLite(t))
	srv := testServer(t, db)
	feeds := []string{srv.URL + "/feeds/launches.ics", srv.URL + "/feeds/launches/cis-2020.ics", srv.URL + "/feeds/launches/africa-2020.ics"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, append([]string{filepath.Join("..", "test", "interop", "ical.mjs")}, feeds...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("node ical.mjs: %v\n%s", err, out)
	}
	var parsed map[string][]icalEvent
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	var api struct {
		Launches struct {
			Edges []struct {
				Node struct {
					ID, Slug, Title, StartsAt, EndsAt, StartsOn, EndsOn, Timezone string
					TimeConfirmed                                                 bool
				}
			}
		}
	}
	mustData(t, srv.URL, `{ launches(first: 20) { edges { node { id slug title startsAt endsAt startsOn endsOn timezone timeConfirmed } } } }`, nil, &api)
	events := map[string]icalEvent{}
	for _, e := range parsed[feeds[0]] {
		events[e.UID] = e
	}
	if len(events) != len(api.Launches.Edges) {
		t.Fatalf("ical.js read %d events, the API has %d launches", len(events), len(api.Launches.Edges))
	}
	for _, edge := range api.Launches.Edges {
		l := edge.Node
		id := globalIDInt(t, l.ID)
		e, ok := events["launch-"+strconv.Itoa(id)+"@launchgraph"]
		if !ok {
			t.Errorf("%s: no event", l.Slug)
			continue
		}
		if e.Summary != l.Title || e.AllDay == l.TimeConfirmed {
			t.Errorf("%s: event %+v, want summary %q allDay %v", l.Slug, e, l.Title, !l.TimeConfirmed)
		}
		if l.TimeConfirmed {
			if !mustTime(t, e.Start).Equal(mustTime(t, l.StartsAt)) || !mustTime(t, e.End).Equal(mustTime(t, l.EndsAt)) || e.TZID == nil || *e.TZID != l.Timezone {
				t.Errorf("%s: ical.js reads %s–%s (TZID %v), the API says %s–%s in %s", l.Slug, e.Start, e.End, e.TZID, l.StartsAt, l.EndsAt, l.Timezone)
			}
			continue
		}
		lastDay, _ := time.Parse(time.DateOnly, l.EndsOn)
		if e.Start != l.StartsOn || e.End != lastDay.AddDate(0, 0, 1).Format(time.DateOnly) {
			t.Errorf("%s: ical.js reads all-day %s–%s, the API says %s to %s inclusive", l.Slug, e.Start, e.End, l.StartsOn, l.EndsOn)
		}
	}
	if n := len(parsed[feeds[1]]); n != 3 {
		t.Errorf("cis-2020.ics: %d events, want its 3 sessions", n)
	}
	if n := len(parsed[feeds[2]]); n != 2 {
		t.Errorf("africa-2020.ics: %d events, want its 2 sessions", n)
	}
}

// globalIDInt parses a global id.
func globalIDInt(tb testing.TB, id string) int {
	tb.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		tb.Fatalf("id %q: %v", id, err)
	}
	return n
}

// interopNode returns node when test/interop has pkg installed; it skips otherwise, or
// fails in CI (LAUNCHGRAPH_REQUIRE_INTEROP=1).
func interopNode(t *testing.T, pkg string) string {
	t.Helper()
	skip := t.Skip
	if os.Getenv("LAUNCHGRAPH_REQUIRE_INTEROP") == "1" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("interop: node is not installed")
	}
	if _, err := os.Stat(filepath.Join("..", "test", "interop", "node_modules", pkg)); err != nil {
		skip("interop: run `npm ci` in test/interop first")
	}
	return node
}

// TestFeedMarksSessionsWithinKnownHours: the CIS forum's hours are known (10:00–15:00
// Moscow) but its sessions' are not: they stay all-day (unconfirmed) and are marked with
// the launch's hours, as a UTC period and as a note in the feed's language.
func TestFeedMarksSessionsWithinKnownHours(t *testing.T) {
	srv := testServer(t, seeded(t, storetest.SQLite(t)))
	for _, tt := range []struct{ lang, note string }{
		{"en", "Hours not published; held within the launch's hours, 10:00–15:00 MSK."},
		{"ru", "Время не опубликовано; проходит в рамках мероприятия, 10:00–15:00 MSK."},
		{"ar", "لم يُنشر التوقيت؛ تُعقد خلال ساعات الحدث، 10:00–15:00 MSK."},
	} {
		_, body := get(t, srv.URL+"/feeds/launches/cis-2020.ics?lang="+tt.lang)
		unfolded := strings.ReplaceAll(string(body), "\r\n ", "")
		events := strings.Split(unfolded, "BEGIN:VEVENT\r\n")[1:]
		if len(events) != 3 {
			t.Fatalf("%s: %d events, want 3", tt.lang, len(events))
		}
		for i, e := range events {
			for _, want := range []string{"DTSTART;VALUE=DATE:20201027\r\n", "DTEND;VALUE=DATE:20201028\r\n",
				"X-LAUNCHGRAPH-WITHIN:20201027T070000Z/20201027T120000Z\r\n",
				"DESCRIPTION:" + strings.NewReplacer(";", `\;`, ",", `\,`).Replace(tt.note)} {
				if !strings.Contains(e, want) {
					t.Errorf("%s: session %d lacks %q:\n%s", tt.lang, i, want, e)
				}
			}
		}
	}
	// Launches whose hours are unknown (Africa) have no such mark.
	if _, body := get(t, srv.URL+"/feeds/launches/africa-2020.ics"); strings.Contains(string(body), "X-LAUNCHGRAPH-WITHIN") {
		t.Error("africa-2020 sessions are marked, but its hours are unknown too")
	}
}
