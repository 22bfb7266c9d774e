package feeds

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"

	"launchgraph/ent"
	"launchgraph/internal/tz"
)

// withinNotes say, per language, that a session's own hours are unknown but fall within
// its launch's known hours (%s, e.g. "10:00–15:00 MSK").
var withinNotes = map[string]string{
	"en": "Hours not published; held within the launch's hours, %s.",
	"fr": "Horaire non publié ; a lieu pendant les heures du lancement, %s.",
	"es": "Horario no publicado; se celebra dentro del horario del lanzamiento, %s.",
	"ru": "Время не опубликовано; проходит в рамках мероприятия, %s.",
	"zh": "具体时间未公布；在发布活动时段内举行，%s。",
	"ar": "لم يُنشر التوقيت؛ تُعقد خلال ساعات الحدث، %s.",
}

// periodFormat is an RFC 5545 UTC DATE-TIME.
const periodFormat = "20060102T150405Z"

// markWithin marks a session whose hours are unconfirmed while its launch's are known
// (the CIS forum: 10:00–15:00 Moscow, sessions on that day without hours). The event stays
// all-day, since giving it the launch's span would claim each session lasted that long,
// and gets X-LAUNCHGRAPH-WITHIN (the launch's hours on the session's days, a UTC period)
// and a note for people, which markWithin returns in lang ("" when not such a session).
func markWithin(e *ics.VEvent, l *ent.Launch, s *ent.Session, home *time.Location, lang string) string {
	if s.TimeConfirmed || !l.TimeConfirmed {
		return ""
	}
	start, end := later(s.StartsAt, l.StartsAt), earlier(s.EndsAt, l.EndsAt)
	if !start.Before(end) {
		return "" // the launch's hours do not meet the session's days
	}
	e.SetProperty(ics.ComponentProperty("X-LAUNCHGRAPH-WITHIN"), start.UTC().Format(periodFormat)+"/"+end.UTC().Format(periodFormat))
	note, ok := withinNotes[lang]
	if !ok {
		note = withinNotes["en"]
	}
	return fmt.Sprintf(note, tz.Label(start, end, home))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
