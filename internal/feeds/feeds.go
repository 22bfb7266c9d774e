// Package feeds builds the launches as iCalendar (RFC 5545) feeds that calendar apps
// subscribe to (webcal): every visible launch, or one launch with one event per session.
// The server serves them (server/feeds.go).
//
// Events have stable UIDs (launch-<id>@launchgraph, session-<id>@launchgraph), DTSTART and
// DTEND in the launch's zone with a VTIMEZONE built from the zone database, all-day dates
// when the hour is unconfirmed, SEQUENCE from the revision counters and LAST-MODIFIED from
// updatedAt, so that subscribed calendars pick up changes. The output is a function of
// the data alone, so its ETag changes only when the data does.
package feeds

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/internal/i18n"
	"launchgraph/internal/opt"
	"launchgraph/internal/tz"
)

// ProductID names the feeds' producer (PRODID).
const ProductID = "-//ITU COP 2020 Guidelines Regional Launches//launchgraph//EN"

// localFormat is an RFC 5545 local DATE-TIME, read with the property's TZID.
const localFormat = "20060102T150405"

// Write writes cal as RFC 5545 requires: lines end in CRLF, folded at 75 octets.
func Write(w io.Writer, cal *ics.Calendar) error {
	return cal.SerializeTo(w, ics.WithNewLineWindows)
}

// Text is cal written as RFC 5545 requires (Write).
func Text(cal *ics.Calendar) string {
	var b strings.Builder
	_ = Write(&b, cal) // a strings.Builder does not fail
	return b.String()
}

// AllLaunches returns a calendar with one event per launch, texts in lang.
func AllLaunches(launches []*ent.Launch, lang string) *ics.Calendar {
	cal := newCalendar("COP 2020 Guidelines Regional Launches")
	zones := newZones()
	for _, l := range launches {
		e := cal.AddEvent(fmt.Sprintf("launch-%d@launchgraph", l.ID))
		home := zones.use(l.Timezone, l.StartsAt, l.EndsAt)
		setTimes(e, l.StartsAt, l.EndsAt, !l.TimeConfirmed, home, l.Timezone)
		setCommon(e, l, lang, l.Revision, l.UpdatedAt)
		e.SetSummary(i18n.In(l.Translations, i18n.FieldTitle, l.Title, lang))
		setDescription(e, i18n.In(l.Translations, i18n.FieldDescription, opt.Val(l.Description), lang))
		setLocation(e, location(l, ""))
	}
	zones.addTo(cal)
	return cal
}

// Programme returns a calendar of launch l with one event per session (l itself when it
// has none), texts in lang.
func Programme(l *ent.Launch, sessions []*ent.Session, lang string) *ics.Calendar {
	title := i18n.In(l.Translations, i18n.FieldTitle, l.Title, lang)
	if len(sessions) == 0 {
		cal := AllLaunches([]*ent.Launch{l}, lang)
		cal.SetXWRCalName(title)
		cal.SetName(title)
		return cal
	}
	cal := newCalendar(title)
	zones := newZones()
	for _, s := range sessions {
		e := cal.AddEvent(fmt.Sprintf("session-%d@launchgraph", s.ID))
		home := zones.use(l.Timezone, s.StartsAt, s.EndsAt)
		setTimes(e, s.StartsAt, s.EndsAt, !s.TimeConfirmed || !l.TimeConfirmed, home, l.Timezone)
		// A launch's changes (venue, status) change its sessions' events too: both
		// counters only grow, so their sum is a valid SEQUENCE.
		modified := s.UpdatedAt
		if l.UpdatedAt.After(modified) {
			modified = l.UpdatedAt
		}
		setCommon(e, l, lang, s.Revision+l.Revision, modified)
		e.SetSummary(i18n.In(s.Translations, i18n.FieldTitle, s.Title, lang))
		desc := i18n.In(s.Translations, i18n.FieldDescription, opt.Val(s.Description), lang)
		if note := markWithin(e, l, s, home, lang); note != "" {
			desc = strings.TrimSpace(note + "\n\n" + desc)
		}
		if desc != "" {
			desc += "\n\n"
		}
		setDescription(e, desc+title)
		room := cmp.Or(opt.Val(s.Room), opt.Val(s.Channel))
		setLocation(e, location(l, room))
	}
	zones.addTo(cal)
	return cal
}

func newCalendar(name string) *ics.Calendar {
	cal := ics.NewCalendarFor("launchgraph")
	cal.SetProductId(ProductID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	return cal
}

// setTimes writes DTSTART and DTEND: local times with the zone's TZID (UTC when a wall
// time is ambiguous), or dates when only the days are known (DTEND, exclusive, is the day
// after the last).
func setTimes(e *ics.VEvent, start, end time.Time, allDay bool, home *time.Location, tzid string) {
	if allDay {
		first, last := tz.AllDayDates(start, end, home)
		e.SetAllDayStartAt(first)
		e.SetAllDayEndAt(last.AddDate(0, 0, 1))
		return
	}
	if tz.Ambiguous(start, home) || tz.Ambiguous(end, home) {
		// A wall time that happens twice (when summer time ends) would be read as its
		// first occurrence: write such an event in UTC.
		e.SetStartAt(start)
		e.SetEndAt(end)
		return
	}
	e.SetProperty(ics.ComponentPropertyDtStart, start.In(home).Format(localFormat), ics.WithTZID(tzid))
	e.SetProperty(ics.ComponentPropertyDtEnd, end.In(home).Format(localFormat), ics.WithTZID(tzid))
}

// setCommon writes what a launch's events share: stamps, sequence, status and URL.
func setCommon(e *ics.VEvent, l *ent.Launch, lang string, sequence int, modified time.Time) {
	e.SetDtStampTime(modified)
	e.SetModifiedAt(modified)
	e.SetSequence(sequence)
	if l.Status == launch.StatusCANCELLED {
		e.SetStatus(ics.ObjectStatusCancelled)
	} else {
		e.SetStatus(ics.ObjectStatusConfirmed)
	}
	if u := link(l); u != "" {
		e.SetURL(u)
	}
	e.SetProperty(ics.ComponentProperty("X-LAUNCHGRAPH-LANGUAGE"), lang)
}

func setDescription(e *ics.VEvent, text string) {
	if text != "" {
		e.SetDescription(text)
	}
}

func setLocation(e *ics.VEvent, loc string) {
	if loc != "" {
		e.SetLocation(loc)
	}
}

// link is the launch's page: its online URL for an online launch, else its source page.
func link(l *ent.Launch) string {
	if l.Online && l.OnlineURL != nil {
		return *l.OnlineURL
	}
	return opt.Val(l.SourceURL)
}

// location is where an event happens: the room and the venue, or the online URL (or
// "Online") of an online launch without a venue.
func location(l *ent.Launch, room string) string {
	var parts []string
	if room != "" {
		parts = append(parts, room)
	}
	switch {
	case l.Venue != nil:
		parts = append(parts, *l.Venue)
	case l.Online && l.OnlineURL != nil:
		parts = append(parts, *l.OnlineURL)
	case l.Online:
		parts = append(parts, "Online")
	}
	return strings.Join(parts, ", ")
}

// zones collects the zones events use, with the span each must cover.
type zones struct {
	names []string
	spans map[string][2]time.Time
	locs  map[string]*time.Location
}

func newZones() *zones {
	return &zones{spans: map[string][2]time.Time{}, locs: map[string]*time.Location{}}
}

// use records that an event from start to end is written in zone name and returns it.
// Launch timezones are validated when written; an unloadable one falls back to UTC.
func (z *zones) use(name string, start, end time.Time) *time.Location {
	loc, ok := z.locs[name]
	if !ok {
		var err error
		if loc, err = tz.Load("timezone", name); err != nil {
			loc = time.UTC
		}
		z.locs[name] = loc
		z.names = append(z.names, name)
		z.spans[name] = [2]time.Time{start, end}
	}
	span := z.spans[name]
	if start.Before(span[0]) {
		span[0] = start
	}
	if end.After(span[1]) {
		span[1] = end
	}
	z.spans[name] = span
	return loc
}

// addTo puts a VTIMEZONE per zone before the events, covering whole years around them: the
// offset in force at the start of the first year, then each transition up to the end of
// the last.
func (z *zones) addTo(cal *ics.Calendar) {
	var vtzs []ics.Component
	names := slices.Clone(z.names)
	slices.Sort(names)
	for _, name := range names {
		loc, span := z.locs[name], z.spans[name]
		from := time.Date(span[0].In(loc).Year(), 1, 1, 0, 0, 0, 0, loc)
		to := time.Date(span[1].In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)
		vtz := ics.NewTimezone(name)
		for _, t := range tz.Transitions(loc, from, to) {
			obs := ics.ComponentBase{} // observances have no UID
			// DTSTART of an observance is the local time it begins, in the offset before it.
			obs.SetProperty(ics.ComponentPropertyDtStart, t.At.In(time.FixedZone("", t.OffsetFrom)).Format(localFormat))
			obs.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), tz.FormatOffset(t.OffsetFrom))
			obs.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), tz.FormatOffset(t.OffsetTo))
			obs.SetProperty(ics.ComponentProperty(ics.PropertyTzname), t.Name)
			if t.DST {
				vtz.Components = append(vtz.Components, &ics.Daylight{ComponentBase: obs})
			} else {
				vtz.Components = append(vtz.Components, &ics.Standard{ComponentBase: obs})
			}
		}
		vtzs = append(vtzs, vtz)
	}
	cal.Components = append(vtzs, cal.Components...)
}
