package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/region"
	"launchgraph/ent/registrant"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
)

// The helpers of the partner-feed tests (issue 6): stats, sync, time zones, languages,
// iCal, CSV and HTTP caching.

// feedKeys are a partner and an admin API key.
type feedKeys struct{ partner, admin string }

// newFeedKeys creates a partner and an admin key on db.
func newFeedKeys(tb testing.TB, db *store.DB) feedKeys {
	tb.Helper()
	return feedKeys{partner: newKey(tb, db, auth.Partner), admin: newKey(tb, db, auth.Admin)}
}

// get sends a GET with headers (name, value pairs) and returns the response, body read.
func get(tb testing.TB, url string, headers ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, raw
}

// bearer is the Authorization header pair of key.
func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

// person describes a registrant to create.
type person struct {
	status      registrant.Status
	country     string
	stakeholder registrant.Stakeholder
	attendance  registrant.Attendance
	checkedIn   bool
}

// addRegistrants creates people as registrants of launch l, as trusted code.
func addRegistrants(tb testing.TB, client *ent.Client, l *ent.Launch, people ...person) {
	tb.Helper()
	ctx := context.Background()
	now := time.Date(2020, 10, 1, 12, 0, 0, 0, time.UTC)
	creates := make([]*ent.RegistrantCreate, len(people))
	for i, p := range people {
		email := fmt.Sprintf("p%d-%d@example.org", l.ID, i)
		c := client.Registrant.Create().SetLaunch(l).SetName(fmt.Sprintf("Person %d", i)).
			SetEmail(email).SetEmailKey(email).SetStatus(p.status).SetConsentAt(now).
			SetStakeholder(p.stakeholder).SetAttendance(p.attendance)
		if p.country != "" {
			c.SetCountry(p.country)
		}
		if p.checkedIn {
			c.SetCheckedInAt(now.Add(time.Hour))
		}
		creates[i] = c
	}
	client.Registrant.CreateBulk(creates...).ExecX(ctx)
}

// newLaunch creates a launch in region and format, as trusted code.
func newLaunch(tb testing.TB, client *ent.Client, region *ent.Region, format *ent.Format, slug string, mods ...func(*ent.LaunchCreate)) *ent.Launch {
	tb.Helper()
	start := time.Date(2020, 10, 24, 8, 0, 0, 0, time.UTC)
	c := client.Launch.Create().SetSlug(slug).SetTitle("Launch " + slug).SetRegion(region).SetFormat(format).
		SetStatus("PUBLISHED").SetStartsAt(start).SetEndsAt(start.Add(8 * time.Hour)).SetTimezone("Europe/Berlin")
	for _, m := range mods {
		m(c)
	}
	return c.SaveX(context.Background())
}

// programme is a launch in Europe/Berlin around the end of summer time (2020-10-25), with
// sessions that cross midnight, cross the change, and one whose hour is unconfirmed.
type programme struct {
	launch                             *ent.Launch
	evening, night, morning, unplanned *ent.Session
}

// newProgramme creates the programme (slug berlin-forum) as trusted code.
func newProgramme(tb testing.TB, client *ent.Client) programme {
	tb.Helper()
	ctx := context.Background()
	// The seeded region and format when there are (the seed data may be loaded).
	region, err := client.Region.Query().Where(region.Code("EUR")).Only(ctx)
	if ent.IsNotFound(err) {
		region, err = client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Berlin").Save(ctx)
	}
	if err != nil {
		tb.Fatal(err)
	}
	format, err := client.Format.Query().Where(format.KindEQ(format.KindONE_DAY_FORUM)).Only(ctx)
	if ent.IsNotFound(err) {
		format, err = client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("Forum").Save(ctx)
	}
	if err != nil {
		tb.Fatal(err)
	}
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	p := programme{launch: newLaunch(tb, client, region, format, "berlin-forum", func(c *ent.LaunchCreate) {
		c.SetTitle("Berlin forum").SetDescription("A forum on child online protection.").
			SetStartsAt(at("2020-10-24T20:00:00Z")).SetEndsAt(at("2020-10-25T16:00:00Z")).
			SetVenue("Palais am Funkturm, Berlin").SetSourceURL("https://www.itu.int/en/ITU-D/Cybersecurity/Pages/COP/2020/")
	})}
	session := func(title, start, end string, confirmed bool) *ent.Session {
		return client.Session.Create().SetLaunch(p.launch).SetTitle(title).SetKind("PANEL").
			SetStartsAt(at(start)).SetEndsAt(at(end)).SetTimeConfirmed(confirmed).SetRoom("Hall A").SaveX(ctx)
	}
	p.evening = session("Evening panel", "2020-10-24T21:00:00Z", "2020-10-24T23:30:00Z", true)
	p.night = session("Night owls", "2020-10-25T00:30:00Z", "2020-10-25T01:30:00Z", true)
	p.morning = session("Morning keynote", "2020-10-25T08:00:00Z", "2020-10-25T09:00:00Z", true)
	p.unplanned = session("Side event", "2020-10-24T22:00:00Z", "2020-10-25T23:00:00Z", false)
	return p
}
