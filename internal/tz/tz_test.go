package tz

import (
	"slices"
	"testing"
	"time"

	"launchgraph/internal/apperr"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := Load("tz", name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestLabel(t *testing.T) {
	tests := []struct {
		name, zone, start, end, want string
	}{
		{"summer time", "Europe/Berlin", "2020-10-24T13:00:00Z", "2020-10-24T15:00:00Z", "15:00–17:00 CEST"},
		{"the COP 2020 example in GMT", "Europe/London", "2020-09-23T12:00:00Z", "2020-09-23T14:00:00Z", "13:00–15:00 BST"},
		{"Addis Ababa", "Africa/Addis_Ababa", "2020-09-23T13:00:00Z", "2020-09-23T15:00:00Z", "16:00–18:00 EAT"},
		{"Berlin, day of the change, after it", "Europe/Berlin", "2020-10-25T10:00:00Z", "2020-10-25T12:00:00Z", "11:00–13:00 CET"},
		{"Berlin, across the change: 02:30 twice", "Europe/Berlin", "2020-10-25T00:30:00Z", "2020-10-25T01:30:00Z", "02:30 CEST–02:30 CET"},
		{"Berlin, spring forward", "Europe/Berlin", "2020-03-29T00:30:00Z", "2020-03-29T01:30:00Z", "01:30 CET–03:30 CEST"},
		{"New York, across the change: 01:30 twice", "America/New_York", "2020-11-01T05:30:00Z", "2020-11-01T06:30:00Z", "01:30 EDT–01:30 EST"},
		{"New York, after the change", "America/New_York", "2020-11-01T15:00:00Z", "2020-11-01T17:00:00Z", "10:00–12:00 EST"},
		{"crossing midnight", "Europe/Berlin", "2020-10-24T21:00:00Z", "2020-10-24T23:30:00Z", "23:00–01:30+1 CEST"},
		{"crossing midnight and the change", "Europe/Berlin", "2020-10-24T21:00:00Z", "2020-10-25T02:30:00Z", "23:00 CEST–03:30+1 CET"},
		{"UTC", "UTC", "2020-10-27T07:00:00Z", "2020-10-27T12:00:00Z", "07:00–12:00 UTC"},
		{"Moscow", "Europe/Moscow", "2020-10-27T07:00:00Z", "2020-10-27T12:00:00Z", "10:00–15:00 MSK"},
		{"numeric abbreviation", "Asia/Dubai", "2020-10-27T07:00:00Z", "2020-10-27T09:00:00Z", "11:00–13:00 GMT+4"},
		{"numeric, half hour", "Asia/Kathmandu", "2020-10-27T07:00:00Z", "2020-10-27T09:00:00Z", "12:45–14:45 GMT+5:45"},
		{"numeric, west", "America/Sao_Paulo", "2020-10-27T13:00:00Z", "2020-10-27T15:00:00Z", "10:00–12:00 GMT-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Label(utc(tt.start), utc(tt.end), mustLoad(t, tt.zone)); got != tt.want {
				t.Errorf("Label = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAllDayLabel(t *testing.T) {
	addis := mustLoad(t, "Africa/Addis_Ababa")
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		name       string
		start, end time.Time
		home       *time.Location
		want       string
	}{
		{"one day", time.Date(2020, 10, 30, 0, 0, 0, 0, addis), time.Date(2020, 10, 31, 0, 0, 0, 0, addis), addis, "Fri 30 Oct 2020 (all day)"},
		{"four days", time.Date(2020, 10, 26, 0, 0, 0, 0, addis), time.Date(2020, 10, 30, 0, 0, 0, 0, addis), addis, "26–29 Oct 2020 (all day)"},
		{"across months", time.Date(2020, 10, 30, 0, 0, 0, 0, addis), time.Date(2020, 11, 3, 0, 0, 0, 0, addis), addis, "30 Oct – 2 Nov 2020 (all day)"},
		{"across years", time.Date(2020, 12, 30, 0, 0, 0, 0, addis), time.Date(2021, 1, 2, 0, 0, 0, 0, addis), addis, "30 Dec 2020 – 1 Jan 2021 (all day)"},
		// The day of the change has 25 hours; midnight to midnight is still one day.
		{"a 25-hour day", time.Date(2020, 11, 1, 0, 0, 0, 0, ny), time.Date(2020, 11, 2, 0, 0, 0, 0, ny), ny, "Sun 1 Nov 2020 (all day)"},
		{"an end not at midnight", time.Date(2020, 10, 19, 0, 0, 0, 0, ny), time.Date(2020, 10, 19, 12, 0, 0, 0, ny), ny, "Mon 19 Oct 2020 (all day)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AllDayLabel(tt.start, tt.end, tt.home); got != tt.want {
				t.Errorf("AllDayLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLocalize(t *testing.T) {
	cet := mustLoad(t, "Europe/Berlin")
	span := Span{Start: utc("2020-09-23T13:00:00Z"), End: utc("2020-09-23T15:00:00Z"), Home: cet}
	got, err := Localize(span, []string{"Europe/Berlin", "Africa/Abidjan", "Africa/Addis_Ababa"})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, lt := range got {
		labels = append(labels, lt.Label)
	}
	if want := []string{"15:00–17:00 CEST", "13:00–15:00 GMT", "16:00–18:00 EAT"}; !slices.Equal(labels, want) {
		t.Errorf("labels = %q, want %q", labels, want)
	}
	if got[2].Start.Format(time.RFC3339) != "2020-09-23T16:00:00+03:00" || got[2].End.Format(time.RFC3339) != "2020-09-23T18:00:00+03:00" {
		t.Errorf("Addis Ababa = %s – %s", got[2].Start, got[2].End)
	}

	_, err = Localize(span, []string{"Europe/Berlin", "Mars/Olympus"})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.BadUserInput || e.Field != "zones" {
		t.Errorf("unknown zone: err = %v, want BAD_USER_INPUT on zones", err)
	}
}

func TestIn(t *testing.T) {
	at := utc("2020-10-25T01:30:00Z")
	tests := []struct {
		zone *string
		want string
	}{
		{nil, "2020-10-25T01:30:00Z"},
		{ptr("Europe/Berlin"), "2020-10-25T02:30:00+01:00"},
		{ptr("America/New_York"), "2020-10-24T21:30:00-04:00"},
		{ptr("Asia/Kolkata"), "2020-10-25T07:00:00+05:30"},
	}
	for _, tt := range tests {
		got, err := In(at, tt.zone)
		if err != nil || got.Format(time.RFC3339) != tt.want {
			t.Errorf("In(%v) = %s, %v; want %s", tt.zone, got.Format(time.RFC3339), err, tt.want)
		}
	}
	for _, bad := range []string{"", "Local", "Europe/Atlantis", "+03:00"} {
		_, err := In(at, &bad)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.BadUserInput || e.Field != "tz" {
			t.Errorf("In(%q): err = %v, want BAD_USER_INPUT on tz", bad, err)
		}
	}
	if got, err := InPtr(nil, ptr("UTC")); got != nil || err != nil {
		t.Errorf("InPtr(nil) = %v, %v", got, err)
	}
}

func ptr(s string) *string { return &s }

type item struct {
	name string
	span Span
}

func TestGroupByDate(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	items := []item{
		{"late on Saturday, across midnight and the change", Span{Start: utc("2020-10-24T21:00:00Z"), End: utc("2020-10-25T02:30:00Z"), Home: berlin}},
		{"Sunday morning", Span{Start: utc("2020-10-25T08:00:00Z"), End: utc("2020-10-25T09:00:00Z"), Home: berlin}},
		{"Sunday, all day", Span{Start: time.Date(2020, 10, 25, 0, 0, 0, 0, berlin), End: time.Date(2020, 10, 26, 0, 0, 0, 0, berlin), AllDay: true, Home: berlin}},
		{"Monday 00:30", Span{Start: utc("2020-10-25T23:30:00Z"), End: utc("2020-10-26T00:30:00Z"), Home: berlin}},
	}
	span := func(it item) Span { return it.span }
	tests := []struct {
		zone string
		want map[string][]string
	}{
		{"Europe/Berlin", map[string][]string{
			"2020-10-24": {"late on Saturday, across midnight and the change"},
			"2020-10-25": {"Sunday morning", "Sunday, all day"},
			"2020-10-26": {"Monday 00:30"},
		}},
		// In New York everything is five or six hours earlier, except the all-day session,
		// whose date floats with the event.
		{"America/New_York", map[string][]string{
			"2020-10-24": {"late on Saturday, across midnight and the change"},
			"2020-10-25": {"Sunday morning", "Sunday, all day", "Monday 00:30"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			groups := GroupByDate(items, span, mustLoad(t, tt.zone))
			if len(groups) != len(tt.want) {
				t.Fatalf("%d groups, want %d: %+v", len(groups), len(tt.want), groups)
			}
			for i, g := range groups {
				if i > 0 && groups[i-1].Date >= g.Date {
					t.Errorf("dates out of order: %s then %s", groups[i-1].Date, g.Date)
				}
				var names []string
				for _, it := range g.Items {
					names = append(names, it.name)
				}
				if !slices.Equal(names, tt.want[g.Date]) {
					t.Errorf("%s: %q, want %q", g.Date, names, tt.want[g.Date])
				}
			}
		})
	}
}

func TestTransitions(t *testing.T) {
	type tr struct{ at, from, to, name string }
	tests := []struct {
		zone string
		want []tr
	}{
		{"Europe/Berlin", []tr{
			{"2019-12-31T23:00:00Z", "+0100", "+0100", "CET"},
			{"2020-03-29T01:00:00Z", "+0100", "+0200", "CEST"},
			{"2020-10-25T01:00:00Z", "+0200", "+0100", "CET"},
		}},
		{"America/New_York", []tr{
			{"2020-01-01T05:00:00Z", "-0500", "-0500", "EST"},
			{"2020-03-08T07:00:00Z", "-0500", "-0400", "EDT"},
			{"2020-11-01T06:00:00Z", "-0400", "-0500", "EST"},
		}},
		{"Europe/Moscow", []tr{{"2019-12-31T21:00:00Z", "+0300", "+0300", "MSK"}}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			got := Transitions(loc, time.Date(2020, 1, 1, 0, 0, 0, 0, loc), time.Date(2021, 1, 1, 0, 0, 0, 0, loc))
			var have []tr
			for _, g := range got {
				have = append(have, tr{g.At.UTC().Format(time.RFC3339), FormatOffset(g.OffsetFrom), FormatOffset(g.OffsetTo), g.Name})
			}
			if !slices.Equal(have, tt.want) {
				t.Errorf("Transitions =\n%v\nwant\n%v", have, tt.want)
			}
		})
	}
}

func TestGMTOffset(t *testing.T) {
	for offset, want := range map[int]string{0: "GMT", 3 * 3600: "GMT+3", -3 * 3600: "GMT-3", 5*3600 + 45*60: "GMT+5:45", -(3*3600 + 30*60): "GMT-3:30"} {
		if got := GMTOffset(offset); got != want {
			t.Errorf("GMTOffset(%d) = %q, want %q", offset, got, want)
		}
	}
}

func TestAmbiguous(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		at   string
		loc  *time.Location
		want bool
	}{
		{"2020-10-25T00:30:00Z", berlin, true},  // 02:30 CEST
		{"2020-10-25T01:30:00Z", berlin, true},  // 02:30 CET
		{"2020-10-25T02:30:00Z", berlin, false}, // 03:30 CET
		{"2020-10-24T23:30:00Z", berlin, false}, // 01:30 CEST
		{"2020-03-29T01:30:00Z", berlin, false}, // 03:30 CEST, after the gap
		{"2020-11-01T05:30:00Z", ny, true},      // 01:30 EDT
		{"2020-11-01T06:30:00Z", ny, true},      // 01:30 EST
		{"2020-11-01T07:30:00Z", ny, false},     // 02:30 EST
		{"2020-07-01T12:00:00Z", ny, false},
	}
	for _, tt := range tests {
		if got := Ambiguous(utc(tt.at), tt.loc); got != tt.want {
			t.Errorf("Ambiguous(%s in %s) = %v, want %v", tt.at, tt.loc, got, tt.want)
		}
	}
}
