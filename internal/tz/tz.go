// Package tz renders instants for readers in other time zones: conversion to an IANA zone
// (the `tz` argument of every time field), labels such as "15:00–17:00 CEST" for
// Session.localTimes, grouping by local date for Launch.days, and the offset transitions a
// calendar feed's VTIMEZONE lists.
package tz

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"launchgraph/internal/apperr"
	"launchgraph/internal/intl"
)

// DateFormat is how a local date is written (ISO 8601).
const DateFormat = "2006-01-02"

// Load returns the IANA zone name (intl.Timezone). An unknown name (and "Local" or "") is
// BAD_USER_INPUT on field.
func Load(field, name string) (*time.Location, error) {
	loc, err := intl.Timezone(name)
	if err != nil {
		return nil, apperr.Invalid(field, "%q is not an IANA time zone name, e.g. Europe/Berlin", name)
	}
	return loc, nil
}

// In returns t in zone name (the `tz` argument); t unchanged when name is nil.
func In(t time.Time, name *string) (time.Time, error) {
	if name == nil {
		return t, nil
	}
	loc, err := Load("tz", *name)
	if err != nil {
		return time.Time{}, err
	}
	return t.In(loc), nil
}

// InPtr is In for an optional instant: nil stays nil.
func InPtr(t *time.Time, name *string) (*time.Time, error) {
	if t == nil {
		return nil, nil
	}
	v, err := In(*t, name)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// LocalTime is a span rendered in one zone (GraphQL LocalTime).
type LocalTime struct {
	// Zone is the IANA zone asked for.
	Zone string
	// Start and End are the span's instants with the zone's offsets.
	Start, End time.Time
	// Label reads like "15:00–17:00 CEST"; for an all-day span it gives its dates.
	Label string
	// AllDay is true when only the dates are known.
	AllDay bool
}

// Span is an event's time: from Start to End, or whole days in Home when AllDay (Start is
// then local midnight of the first day and End local midnight after the last, in Home).
type Span struct {
	Start, End time.Time
	AllDay     bool
	// Home is the zone the event is held in.
	Home *time.Location
}

// Localize renders span in each zone. An unknown zone is BAD_USER_INPUT on "zones".
func Localize(span Span, zoneNames []string) ([]LocalTime, error) {
	out := make([]LocalTime, 0, len(zoneNames))
	for _, name := range zoneNames {
		loc, err := Load("zones", name)
		if err != nil {
			return nil, err
		}
		lt := LocalTime{Zone: name, Start: span.Start.In(loc), End: span.End.In(loc), AllDay: span.AllDay}
		if span.AllDay {
			lt.Label = AllDayLabel(span.Start, span.End, span.Home)
		} else {
			lt.Label = Label(span.Start, span.End, loc)
		}
		out = append(out, lt)
	}
	return out, nil
}

// Label writes a timed span in loc: "15:00–17:00 CEST"; "23:00–01:00+1 CET" when it ends
// on a later local date; "01:30 CEST–02:30 CET" when the zone's abbreviation changes in
// between (a DST transition).
func Label(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	from, to := s.Format("15:04"), e.Format("15:04")
	if days := daysBetween(s, e); days > 0 {
		to += fmt.Sprintf("+%d", days)
	}
	sa, ea := Abbrev(s), Abbrev(e)
	if sa == ea {
		return from + "–" + to + " " + sa
	}
	return from + " " + sa + "–" + to + " " + ea
}

// AllDayLabel writes the dates of an all-day span held in home: "Tue 27 Oct 2020 (all
// day)", "26–29 Oct 2020 (all day)", "30 Oct – 2 Nov 2020 (all day)".
func AllDayLabel(start, end time.Time, home *time.Location) string {
	first, last := AllDayDates(start, end, home)
	switch {
	case first.Equal(last):
		return first.Format("Mon 2 Jan 2006") + " (all day)"
	case first.Year() != last.Year():
		return first.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006") + " (all day)"
	case first.Month() != last.Month():
		return first.Format("2 Jan") + " – " + last.Format("2 Jan 2006") + " (all day)"
	default:
		return first.Format("2") + "–" + last.Format("2 Jan 2006") + " (all day)"
	}
}

// AllDayDates returns the first and last local dates (at midnight, in home) of an all-day
// span. End is exclusive: a span ending at local midnight ends the day before.
func AllDayDates(start, end time.Time, home *time.Location) (first, last time.Time) {
	first = midnight(start.In(home))
	e := end.In(home)
	last = midnight(e)
	if last.Equal(e) && last.After(first) {
		last = last.AddDate(0, 0, -1)
	}
	if last.Before(first) {
		last = first
	}
	return first, last
}

// Abbrev is t's zone abbreviation, with a numeric one ("+03", "-0330") written as
// "GMT+3" or "GMT-3:30".
func Abbrev(t time.Time) string {
	name, offset := t.Zone()
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	return GMTOffset(offset)
}

// GMTOffset writes an offset in seconds east of UTC as "GMT", "GMT+3" or "GMT+5:30".
func GMTOffset(offset int) string {
	if offset == 0 {
		return "GMT"
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	h, m := offset/3600, offset%3600/60
	if m == 0 {
		return fmt.Sprintf("GMT%s%d", sign, h)
	}
	return fmt.Sprintf("GMT%s%d:%02d", sign, h, m)
}

// Date returns t's local date in loc, as YYYY-MM-DD.
func Date(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(DateFormat)
}

// Group is the items that start on one local date.
type Group[T any] struct {
	Date  string
	Items []T
}

// GroupByDate groups items by the local date their span starts on in loc, in date order,
// keeping the items' order within a date. A span is never split: one crossing midnight
// belongs to the date it starts on. An all-day span keeps its date in its home zone, since
// its dates float with the event, not with the reader.
func GroupByDate[T any](items []T, span func(T) Span, loc *time.Location) []Group[T] {
	var groups []Group[T]
	index := map[string]int{}
	for _, it := range items {
		s := span(it)
		var date string
		if s.AllDay {
			date = Date(s.Start, s.Home)
		} else {
			date = Date(s.Start, loc)
		}
		i, ok := index[date]
		if !ok {
			i = len(groups)
			index[date] = i
			groups = append(groups, Group[T]{Date: date})
		}
		groups[i].Items = append(groups[i].Items, it)
	}
	// Insertion order follows the items' order; dates must ascend even when an all-day
	// span or a reader's zone puts an earlier date after a later one.
	slices.SortStableFunc(groups, func(a, b Group[T]) int { return strings.Compare(a.Date, b.Date) })
	return groups
}

// Transition is a change of a zone's offset.
type Transition struct {
	// At is the instant of the change.
	At time.Time
	// OffsetFrom and OffsetTo are the offsets before and after, in seconds east of UTC.
	OffsetFrom, OffsetTo int
	// Name is the abbreviation after the change; DST reports daylight saving time after it.
	Name string
	DST  bool
}

// Transitions returns loc's offset in force at from (as a Transition at from with equal
// offsets) followed by every change up to to.
func Transitions(loc *time.Location, from, to time.Time) []Transition {
	t := from.In(loc)
	_, off := t.Zone()
	out := []Transition{{At: from, OffsetFrom: off, OffsetTo: off, Name: Abbrev(t), DST: t.IsDST()}}
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			return out
		}
		next := end.In(loc)
		_, nextOff := next.Zone()
		if nextOff != off || Abbrev(next) != out[len(out)-1].Name {
			out = append(out, Transition{At: end, OffsetFrom: off, OffsetTo: nextOff, Name: Abbrev(next), DST: next.IsDST()})
		}
		t, off = next, nextOff
	}
}

// FormatOffset writes an offset in seconds as RFC 5545 UTC-OFFSET: "+0200", "-0330".
func FormatOffset(offset int) string {
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	return fmt.Sprintf("%s%02d%02d", sign, offset/3600, offset%3600/60)
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// daysBetween counts the local dates from s to e (both in one zone).
func daysBetween(s, e time.Time) int {
	sy, sm, sd := s.Date()
	ey, em, ed := e.Date()
	a := time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)
	b := time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Ambiguous reports whether t's wall time in loc happens twice (a clock set back), as
// 02:30 on the night summer time ends: a calendar could not tell which one a local time
// means (RFC 5545 takes the first).
func Ambiguous(t time.Time, loc *time.Location) bool {
	_, off := t.In(loc).Zone()
	for _, d := range []time.Duration{-24 * time.Hour, 24 * time.Hour} {
		_, other := t.Add(d).In(loc).Zone()
		if other == off {
			continue
		}
		// The same wall time under the other offset: is that instant really in it?
		twin := t.Add(time.Duration(off-other) * time.Second)
		if _, o := twin.In(loc).Zone(); o == other {
			return true
		}
	}
	return false
}
