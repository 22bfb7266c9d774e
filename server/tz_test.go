package main

import (
	"encoding/json"
	"testing"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func TestTimeZones(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newProgramme(t, db.Client)
		srv := testServer(t, db)
		var got struct {
			Launches struct {
				Edges []struct {
					Node struct {
						StartsAt, EndsAt, UTCStart string
						Days, NYDays               []struct {
							Date     string
							Sessions []struct{ Title string }
						}
						Sessions struct {
							Edges []struct {
								Node struct {
									Title, Kolkata string
									LocalTimes     []struct {
										Zone, Start, End, Label string
										AllDay                  bool
									}
								}
							}
						}
					}
				}
			}
		}
		dataAs(t, srv.URL, "", `{ launches(first: 1, where: {slug: "berlin-forum"}) { edges { node {
			startsAt(tz: "Europe/Berlin") endsAt(tz: "America/New_York") utcStart: startsAt
			days { date sessions { title } }
			nyDays: days(tz: "America/New_York") { date sessions { title } }
			sessions(first: 10, orderBy: [{field: STARTS_AT}]) { edges { node { title kolkata: startsAt(tz: "Asia/Kolkata")
				localTimes(zones: ["Europe/Berlin", "America/New_York", "Africa/Addis_Ababa"]) { zone start end label allDay } } } }
		} } } }`, nil, &got)
		l := got.Launches.Edges[0].Node
		if l.StartsAt != "2020-10-24T22:00:00+02:00" || l.EndsAt != "2020-10-25T12:00:00-04:00" || l.UTCStart != "2020-10-24T20:00:00Z" {
			t.Errorf("launch times: %s, %s, %s", l.StartsAt, l.EndsAt, l.UTCStart)
		}
		days := func(v any) string { b, _ := json.Marshal(v); return string(b) }
		if want := `[{"Date":"2020-10-24","Sessions":[{"Title":"Evening panel"}]},` +
			`{"Date":"2020-10-25","Sessions":[{"Title":"Side event"},{"Title":"Night owls"},{"Title":"Morning keynote"}]}]`; days(l.Days) != want {
			t.Errorf("days in Berlin = %s\nwant %s", days(l.Days), want)
		}
		// In New York the night session is still on Saturday; the side event's date floats.
		if want := `[{"Date":"2020-10-24","Sessions":[{"Title":"Evening panel"},{"Title":"Night owls"}]},` +
			`{"Date":"2020-10-25","Sessions":[{"Title":"Side event"},{"Title":"Morning keynote"}]}]`; days(l.NYDays) != want {
			t.Errorf("days in New York = %s\nwant %s", days(l.NYDays), want)
		}

		type lt struct{ start, end, label string }
		want := []struct {
			title, kolkata string
			allDay         bool
			zones          [3]lt
		}{
			{"Evening panel", "2020-10-25T02:30:00+05:30", false, [3]lt{
				{"2020-10-24T23:00:00+02:00", "2020-10-25T01:30:00+02:00", "23:00–01:30+1 CEST"},
				{"2020-10-24T17:00:00-04:00", "2020-10-24T19:30:00-04:00", "17:00–19:30 EDT"},
				{"2020-10-25T00:00:00+03:00", "2020-10-25T02:30:00+03:00", "00:00–02:30 EAT"},
			}},
			{"Side event", "2020-10-25T03:30:00+05:30", true, [3]lt{
				{"2020-10-25T00:00:00+02:00", "2020-10-26T00:00:00+01:00", "Sun 25 Oct 2020 (all day)"},
				{"2020-10-24T18:00:00-04:00", "2020-10-25T19:00:00-04:00", "Sun 25 Oct 2020 (all day)"},
				{"2020-10-25T01:00:00+03:00", "2020-10-26T02:00:00+03:00", "Sun 25 Oct 2020 (all day)"},
			}},
			{"Night owls", "2020-10-25T06:00:00+05:30", false, [3]lt{
				{"2020-10-25T02:30:00+02:00", "2020-10-25T02:30:00+01:00", "02:30 CEST–02:30 CET"},
				{"2020-10-24T20:30:00-04:00", "2020-10-24T21:30:00-04:00", "20:30–21:30 EDT"},
				{"2020-10-25T03:30:00+03:00", "2020-10-25T04:30:00+03:00", "03:30–04:30 EAT"},
			}},
			{"Morning keynote", "2020-10-25T13:30:00+05:30", false, [3]lt{
				{"2020-10-25T09:00:00+01:00", "2020-10-25T10:00:00+01:00", "09:00–10:00 CET"},
				{"2020-10-25T04:00:00-04:00", "2020-10-25T05:00:00-04:00", "04:00–05:00 EDT"},
				{"2020-10-25T11:00:00+03:00", "2020-10-25T12:00:00+03:00", "11:00–12:00 EAT"},
			}},
		}
		sessions := l.Sessions.Edges
		if len(sessions) != len(want) {
			t.Fatalf("%d sessions", len(sessions))
		}
		zones := []string{"Europe/Berlin", "America/New_York", "Africa/Addis_Ababa"}
		for i, w := range want {
			s := sessions[i].Node
			if s.Title != w.title || s.Kolkata != w.kolkata || len(s.LocalTimes) != 3 {
				t.Errorf("session %d = %s %s (%d local times), want %s %s", i, s.Title, s.Kolkata, len(s.LocalTimes), w.title, w.kolkata)
				continue
			}
			for j, z := range w.zones {
				g := s.LocalTimes[j]
				if g.Zone != zones[j] || g.Start != z.start || g.End != z.end || g.Label != z.label || g.AllDay != w.allDay {
					t.Errorf("%s in %s = %+v, want %+v allDay=%v", w.title, zones[j], g, z, w.allDay)
				}
			}
		}

		for _, c := range []struct{ name, query, field string }{
			{"time field", `{ launches(first: 1) { edges { node { startsAt(tz: "Mars/Olympus_Mons") } } } }`, "tz"},
			{"nullable time field", `{ launches(first: 1) { edges { node { registrationOpensAt(tz: "Local") } } } }`, "tz"},
			{"days", `{ launches(first: 1) { edges { node { days(tz: "CEST") { date } } } } }`, "tz"},
			{"localTimes", `{ sessions(first: 1) { edges { node { localTimes(zones: ["UTC", "Europe/Berlinn"]) { label } } } } }`, "zones"},
		} {
			resp := postGQL(t, srv.URL, c.query, nil)
			if resp.code() != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != c.field {
				t.Errorf("%s: errors %+v, want BAD_USER_INPUT on %s", c.name, resp.Errors, c.field)
			}
		}
	})
}
