// Parses launchgraph's iCalendar feeds with ical.js (a real RFC 5545 parser) and prints,
// per event, what a calendar app would show: UID, summary, start and end as UTC instants
// (timed events, read through their VTIMEZONE) or as dates (all-day events).
// Usage: node ical.mjs URL... (prints one JSON object: {url: [events]})
import ICAL from 'ical.js';

const out = {};
for (const url of process.argv.slice(2)) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const text = await res.text();
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  out[url] = cal.getAllSubcomponents('vevent').map((c) => {
    const e = new ICAL.Event(c);
    const when = (t) => (t.isDate ? t.toString() : t.toJSDate().toISOString());
    return {
      uid: e.uid,
      summary: e.summary,
      allDay: e.startDate.isDate,
      start: when(e.startDate),
      end: when(e.endDate),
      tzid: c.getFirstProperty('dtstart').getParameter('tzid') || null,
      sequence: e.sequence,
    };
  });
}
console.log(JSON.stringify(out));
