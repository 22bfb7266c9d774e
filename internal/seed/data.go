package seed

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	// The seed's launches use zones such as Europe/Kyiv (added to tzdata in 2022): embed
	// the zone database so they resolve on hosts with an old or missing zoneinfo.
	_ "time/tzdata"

	"launchgraph/ent/format"
	"launchgraph/ent/guidelineset"
	"launchgraph/ent/launch"
	"launchgraph/ent/session"
	"launchgraph/internal/intl"
)

// rawData is the COP 2020 data set. Its "about" field states the conventions; in short:
// dates are local calendar dates in the launch's IANA zone, hours are local wall-clock
// hours given only when published, and empty or null values mean "unknown".
//
//go:embed cop2020.json
var rawData []byte

// Dataset is the COP 2020 Guidelines Regional Launches data: the six ITU regions, the
// launch formats, the series-wide objectives, the four guideline sets and the five
// regional launches found in public sources.
type Dataset struct {
	// About states the conventions of the file; it is not stored.
	About string `json:"about"`
	// Series names the launch series and its source page; it is not stored.
	Series struct {
		Name   string `json:"name"`
		Source string `json:"source"`
	} `json:"series"`
	Regions       []Region       `json:"regions"`
	Formats       []Format       `json:"formats"`
	Objectives    []Objective    `json:"objectives"`
	GuidelineSets []GuidelineSet `json:"guidelineSets"`
	Launches      []Launch       `json:"launches"`
}

// Region is an ITU region, keyed by its code.
type Region struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	DefaultTimezone string `json:"defaultTimezone"`
}

// Format is a launch format, keyed by its kind. TypicalDurationDays is nil when the
// source implies no usual length.
type Format struct {
	Kind                format.Kind `json:"kind"`
	Name                string      `json:"name"`
	Description         string      `json:"description"`
	TypicalDurationDays *int        `json:"typicalDurationDays"`
}

// Objective is a series-wide objective, keyed by its position; it applies to every launch.
type Objective struct {
	Position int    `json:"position"`
	Text     string `json:"text"`
}

// GuidelineSet is one of the four COP 2020 guideline sets, keyed by its audience; every
// launch presents all four.
type GuidelineSet struct {
	Audience guidelineset.Audience `json:"audience"`
	Title    string                `json:"title"`
	Summary  string                `json:"summary"`
	URL      string                `json:"url"`
}

// Schedule is when a launch or a session takes place, in local calendar terms.
//
// StartDate and EndDate are local dates (YYYY-MM-DD); EndDate is the last day, inclusive.
// StartTime and EndTime are local hours (HH:MM), both set when the hours were published
// and both empty otherwise. See Resolve for how they become instants.
type Schedule struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
	StartTime string `json:"startTime,omitempty"`
	EndTime   string `json:"endTime,omitempty"`
}

// Launch is a regional launch, keyed by its slug. Region is a region code and Format a
// format kind. Notes records what the source leaves unknown; it is not stored.
type Launch struct {
	Slug        string        `json:"slug"`
	Notes       string        `json:"notes"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Region      string        `json:"region"`
	Format      format.Kind   `json:"format"`
	Status      launch.Status `json:"status"`
	Timezone    string        `json:"timezone"`
	Schedule
	Venue     string    `json:"venue"`
	Online    bool      `json:"online"`
	OnlineURL string    `json:"onlineUrl"`
	Languages []string  `json:"languages"`
	Hosts     []string  `json:"hosts"`
	Capacity  *int      `json:"capacity"`
	SourceURL string    `json:"sourceUrl"`
	Sessions  []Session `json:"sessions"`
}

// Session is a programme item of a launch, keyed by the launch and its position. Its
// schedule is read in the launch's timezone.
type Session struct {
	Position    int          `json:"position"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Kind        session.Kind `json:"kind"`
	Schedule
	Room                    string   `json:"room"`
	Channel                 string   `json:"channel"`
	InterpretationLanguages []string `json:"interpretationLanguages"`
}

// Resolve turns the schedule into instants in the zone loc.
//
// With published hours, start is StartDate at StartTime and end is EndDate at EndTime,
// and confirmed is true. Without them (the hour is unknown), start is local midnight of
// StartDate, end is local midnight after EndDate, and confirmed is false: the event is
// shown as all-day. Both instants are returned in UTC.
func (s Schedule) Resolve(loc *time.Location) (start, end time.Time, confirmed bool, err error) {
	if (s.StartTime == "") != (s.EndTime == "") {
		return time.Time{}, time.Time{}, false, errors.New("startTime and endTime must be given together")
	}
	first, err := time.ParseInLocation(time.DateOnly, s.StartDate, loc)
	if err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("startDate: %w", err)
	}
	last, err := time.ParseInLocation(time.DateOnly, s.EndDate, loc)
	if err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("endDate: %w", err)
	}
	if s.StartTime == "" {
		start = first
		end = time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
	} else {
		if start, err = time.ParseInLocation(time.DateOnly+" 15:04", s.StartDate+" "+s.StartTime, loc); err != nil {
			return time.Time{}, time.Time{}, false, fmt.Errorf("startTime: %w", err)
		}
		if end, err = time.ParseInLocation(time.DateOnly+" 15:04", s.EndDate+" "+s.EndTime, loc); err != nil {
			return time.Time{}, time.Time{}, false, fmt.Errorf("endTime: %w", err)
		}
		confirmed = true
	}
	if !end.After(start) {
		return time.Time{}, time.Time{}, false, errors.New("the end is not after the start")
	}
	return start.UTC(), end.UTC(), confirmed, nil
}

// Data parses and checks the embedded COP 2020 data set. Each call returns a fresh copy.
func Data() (*Dataset, error) {
	dec := json.NewDecoder(bytes.NewReader(rawData))
	dec.DisallowUnknownFields()
	var d Dataset
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("seed: parsing cop2020.json: %w", err)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("seed: cop2020.json: %w", err)
	}
	return &d, nil
}

// check validates the launch's status, zone, schedule and languages, and its sessions'.
func (l Launch) check() error {
	if err := launch.StatusValidator(l.Status); err != nil {
		return err
	}
	loc, err := intl.Timezone(l.Timezone)
	if err != nil {
		return err
	}
	if _, _, _, err := l.Resolve(loc); err != nil {
		return err
	}
	if err := intl.ValidateLanguages(l.Languages); err != nil {
		return err
	}
	sessions := map[int]bool{}
	for _, s := range l.Sessions {
		if sessions[s.Position] {
			return fmt.Errorf("session %d: duplicate position", s.Position)
		}
		sessions[s.Position] = true
		if err := session.KindValidator(s.Kind); err != nil {
			return fmt.Errorf("session %d: %w", s.Position, err)
		}
		if _, _, _, err := s.Resolve(loc); err != nil {
			return fmt.Errorf("session %d: %w", s.Position, err)
		}
		if err := intl.ValidateLanguages(s.InterpretationLanguages); err != nil {
			return fmt.Errorf("session %d: %w", s.Position, err)
		}
	}
	return nil
}

// check validates references, keys and schedules; field formats are also checked by the
// ent validators on save.
func (d *Dataset) check() error {
	regions := map[string]bool{}
	for _, r := range d.Regions {
		if regions[r.Code] {
			return fmt.Errorf("region %s: duplicate code", r.Code)
		}
		regions[r.Code] = true
		if err := intl.ValidateTimezone(r.DefaultTimezone); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	formats := map[format.Kind]bool{}
	for _, f := range d.Formats {
		if err := format.KindValidator(f.Kind); err != nil {
			return err
		}
		if formats[f.Kind] {
			return fmt.Errorf("format %s: duplicate kind", f.Kind)
		}
		formats[f.Kind] = true
	}
	positions := map[int]bool{}
	for _, o := range d.Objectives {
		if positions[o.Position] {
			return fmt.Errorf("objective %d: duplicate position", o.Position)
		}
		positions[o.Position] = true
	}
	audiences := map[guidelineset.Audience]bool{}
	for _, g := range d.GuidelineSets {
		if err := guidelineset.AudienceValidator(g.Audience); err != nil {
			return err
		}
		if audiences[g.Audience] {
			return fmt.Errorf("guideline set %s: duplicate audience", g.Audience)
		}
		audiences[g.Audience] = true
	}
	slugs := map[string]bool{}
	for _, l := range d.Launches {
		if slugs[l.Slug] {
			return fmt.Errorf("launch %s: duplicate slug", l.Slug)
		}
		slugs[l.Slug] = true
		if !regions[l.Region] {
			return fmt.Errorf("launch %s: unknown region %q", l.Slug, l.Region)
		}
		if !formats[l.Format] {
			return fmt.Errorf("launch %s: unknown format %q", l.Slug, l.Format)
		}
		if err := l.check(); err != nil {
			return fmt.Errorf("launch %s: %w", l.Slug, err)
		}
	}
	return nil
}
