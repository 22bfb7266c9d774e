// Package seed holds the real COP 2020 Guidelines Regional Launches data and loads it
// into the store idempotently.
//
// The data lives in the embedded cop2020.json and takes facts only from public pages
// (each launch keeps its page in source_url). What the sources leave unknown stays
// unknown: an empty list, a NULL optional field (read back as ""), a nil pointer, or
// time_confirmed=false.
//
// Time convention: when only the dates of a launch or session are known, time_confirmed
// is false, starts_at is local midnight of the first day and ends_at local midnight after
// the last day, both in the launch's timezone (see Schedule.Resolve).
//
// Decisions on unknown facts:
//   - Americas: date only and no published zone; America/New_York is a placeholder zone,
//     time_confirmed=false.
//   - CIS: the forum's hours (10:00–15:00 Moscow time) are published, the hours of its three
//     sessions are not. Each session gets the day (local midnight to midnight) with
//     time_confirmed=false rather than the forum's 10:00–15:00 span: the span with
//     time_confirmed=true would claim each session lasted five hours, and the span with
//     time_confirmed=false would break the convention above that an unconfirmed time means
//     "this day". The source names speaker organisations but no persons, so no speakers.
//   - Africa: the launch covers the 4-day training (26–29 Oct) and the launch day (30 Oct),
//     so its format is TRAINING, the series' "4-days training sessions for policy-makers".
//     The launch-day session is a DIALOGUE: nothing is known of its programme, and dialogue
//     between stakeholders is what the series-wide objectives (which every launch shares)
//     describe; OPENING, KEYNOTE or PANEL would each claim a programme nobody published.
//   - Europe: a two-day forum, so not ONE_DAY_FORUM; it gets the generic REGIONAL_LAUNCH.
//   - Launch titles: Arab States and Europe use their published titles; Americas, CIS and
//     Africa have none in the sources and get a descriptive title built on the series name.
//   - No Asia & Pacific launch was found, so none is seeded; the global online dialogue of
//     24 June 2020 is not a regional launch and is not seeded.
//
// Load manages the fields the data set holds. It leaves alone what it does not hold
// (waitlist_enabled, requires_approval, registration windows), extra rows such as regional
// objectives or added sessions, and extra edges: it adds missing links, it never removes one.
package seed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/guidelineset"
	"launchgraph/ent/launch"
	"launchgraph/ent/objective"
	"launchgraph/ent/region"
	"launchgraph/ent/session"
	"launchgraph/internal/intl"
	"launchgraph/internal/opt"
)

// Result counts what Load created/updated.
type Result struct {
	// Created is the number of rows inserted.
	Created int
	// Updated is the number of existing rows changed (including links added to a launch).
	Updated int
}

// Empty reports whether the store has no regions yet (serve seeds an empty database on first start).
func Empty(ctx context.Context, client *ent.Client) (bool, error) {
	exists, err := client.Region.Query().Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("seed: checking for regions: %w", err)
	}
	return !exists, nil
}

// Load writes the COP 2020 data idempotently: running it twice changes nothing (no new rows, no updated_at bump).
//
// Rows are matched on natural keys: region code, format kind, guideline-set audience,
// series-wide objective position, launch slug, and session launch and position. A row is
// updated only when one of its seeded values differs, so updated_at moves only on a real
// change. Everything runs in one transaction: on error nothing is written.
func Load(ctx context.Context, client *ent.Client) (Result, error) {
	d, err := Data()
	if err != nil {
		return Result{}, err
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("seed: starting transaction: %w", err)
	}
	l := &loader{tx: tx}
	if err := l.load(ctx, d); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			err = fmt.Errorf("%w (rolling back: %v)", err, rerr)
		}
		return Result{}, fmt.Errorf("seed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Result{}, fmt.Errorf("seed: committing: %w", err)
	}
	return l.res, nil
}

// loader carries the transaction, the counts and the IDs of the rows seen so far.
type loader struct {
	tx  *ent.Tx
	res Result

	regions    map[string]int
	formats    map[format.Kind]int
	objectives []int
	guidelines []int
}

func (l *loader) load(ctx context.Context, d *Dataset) error {
	l.regions = map[string]int{}
	for _, r := range d.Regions {
		id, err := l.region(ctx, r)
		if err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
		l.regions[r.Code] = id
	}
	l.formats = map[format.Kind]int{}
	for _, f := range d.Formats {
		id, err := l.format(ctx, f)
		if err != nil {
			return fmt.Errorf("format %s: %w", f.Kind, err)
		}
		l.formats[f.Kind] = id
	}
	for _, o := range d.Objectives {
		id, err := l.objective(ctx, o)
		if err != nil {
			return fmt.Errorf("objective %d: %w", o.Position, err)
		}
		l.objectives = append(l.objectives, id)
	}
	for _, g := range d.GuidelineSets {
		id, err := l.guidelineSet(ctx, g)
		if err != nil {
			return fmt.Errorf("guideline set %s: %w", g.Audience, err)
		}
		l.guidelines = append(l.guidelines, id)
	}
	for _, ln := range d.Launches {
		if err := l.launch(ctx, ln); err != nil {
			return fmt.Errorf("launch %s: %w", ln.Slug, err)
		}
	}
	return nil
}

func (l *loader) region(ctx context.Context, d Region) (int, error) {
	r, err := l.tx.Region.Query().Where(region.Code(d.Code)).Only(ctx)
	if ent.IsNotFound(err) {
		r, err = l.tx.Region.Create().
			SetCode(d.Code).
			SetName(d.Name).
			SetDefaultTimezone(d.DefaultTimezone).
			Save(ctx)
		if err != nil {
			return 0, err
		}
		l.res.Created++
		return r.ID, nil
	}
	if err != nil {
		return 0, err
	}
	u, dirty := r.Update(), false
	if r.Name != d.Name {
		u.SetName(d.Name)
		dirty = true
	}
	if r.DefaultTimezone != d.DefaultTimezone {
		u.SetDefaultTimezone(d.DefaultTimezone)
		dirty = true
	}
	return r.ID, l.save(ctx, dirty, u.Exec)
}

func (l *loader) format(ctx context.Context, d Format) (int, error) {
	f, err := l.tx.Format.Query().Where(format.KindEQ(d.Kind)).Only(ctx)
	if ent.IsNotFound(err) {
		f, err = l.tx.Format.Create().
			SetKind(d.Kind).
			SetName(d.Name).
			SetNillableDescription(orNil(d.Description)).
			SetNillableTypicalDurationDays(d.TypicalDurationDays).
			Save(ctx)
		if err != nil {
			return 0, err
		}
		l.res.Created++
		return f.ID, nil
	}
	if err != nil {
		return 0, err
	}
	u, dirty := f.Update(), false
	if f.Name != d.Name {
		u.SetName(d.Name)
		dirty = true
	}
	if opt.Val(f.Description) != d.Description {
		setOrClear(d.Description, u.SetDescription, u.ClearDescription)
		dirty = true
	}
	if !equalPtr(f.TypicalDurationDays, d.TypicalDurationDays) {
		if d.TypicalDurationDays == nil {
			u.ClearTypicalDurationDays()
		} else {
			u.SetTypicalDurationDays(*d.TypicalDurationDays)
		}
		dirty = true
	}
	return f.ID, l.save(ctx, dirty, u.Exec)
}

func (l *loader) objective(ctx context.Context, d Objective) (int, error) {
	o, err := l.tx.Objective.Query().
		Where(objective.SeriesWide(true), objective.Position(d.Position)).
		Only(ctx)
	if ent.IsNotFound(err) {
		o, err = l.tx.Objective.Create().
			SetSeriesWide(true).
			SetPosition(d.Position).
			SetText(d.Text).
			Save(ctx)
		if err != nil {
			return 0, err
		}
		l.res.Created++
		return o.ID, nil
	}
	if err != nil {
		return 0, err
	}
	u, dirty := o.Update(), false
	if o.Text != d.Text {
		u.SetText(d.Text)
		dirty = true
	}
	return o.ID, l.save(ctx, dirty, u.Exec)
}

func (l *loader) guidelineSet(ctx context.Context, d GuidelineSet) (int, error) {
	g, err := l.tx.GuidelineSet.Query().Where(guidelineset.AudienceEQ(d.Audience)).Only(ctx)
	if ent.IsNotFound(err) {
		g, err = l.tx.GuidelineSet.Create().
			SetAudience(d.Audience).
			SetTitle(d.Title).
			SetNillableSummary(orNil(d.Summary)).
			SetNillableURL(orNil(d.URL)).
			Save(ctx)
		if err != nil {
			return 0, err
		}
		l.res.Created++
		return g.ID, nil
	}
	if err != nil {
		return 0, err
	}
	u, dirty := g.Update(), false
	if g.Title != d.Title {
		u.SetTitle(d.Title)
		dirty = true
	}
	if opt.Val(g.Summary) != d.Summary {
		setOrClear(d.Summary, u.SetSummary, u.ClearSummary)
		dirty = true
	}
	if opt.Val(g.URL) != d.URL {
		setOrClear(d.URL, u.SetURL, u.ClearURL)
		dirty = true
	}
	return g.ID, l.save(ctx, dirty, u.Exec)
}

func (l *loader) launch(ctx context.Context, d Launch) error {
	loc, err := intl.Timezone(d.Timezone)
	if err != nil {
		return err
	}
	r := launchRow{d: d, regionID: l.regions[d.Region], formatID: l.formats[d.Format],
		languages: nonNil(d.Languages), hosts: nonNil(d.Hosts)}
	if r.start, r.end, r.confirmed, err = d.Resolve(loc); err != nil {
		return err
	}
	ln, err := l.tx.Launch.Query().Where(launch.Slug(d.Slug)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		if ln, err = l.createLaunch(ctx, r); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := l.updateLaunch(ctx, ln, r); err != nil {
			return err
		}
	}
	for _, s := range d.Sessions {
		if err := l.session(ctx, ln.ID, loc, s); err != nil {
			return fmt.Errorf("session %d: %w", s.Position, err)
		}
	}
	return nil
}

// launchRow is a seed launch resolved against the store: its times and references.
type launchRow struct {
	d                  Launch
	start, end         time.Time
	confirmed          bool
	regionID, formatID int
	languages, hosts   []string
}

// createLaunch creates r with the series-wide objectives and guideline sets.
func (l *loader) createLaunch(ctx context.Context, r launchRow) (*ent.Launch, error) {
	d := r.d
	ln, err := l.tx.Launch.Create().
		SetSlug(d.Slug).
		SetTitle(d.Title).
		SetNillableDescription(orNil(d.Description)).
		SetRegionID(r.regionID).
		SetFormatID(r.formatID).
		SetStatus(d.Status).
		SetStartsAt(r.start).
		SetEndsAt(r.end).
		SetTimezone(d.Timezone).
		SetTimeConfirmed(r.confirmed).
		SetNillableVenue(orNil(d.Venue)).
		SetOnline(d.Online).
		SetNillableOnlineURL(orNil(d.OnlineURL)).
		SetLanguages(r.languages).
		SetHosts(r.hosts).
		SetNillableCapacity(d.Capacity).
		SetNillableSourceURL(orNil(d.SourceURL)).
		AddObjectiveIDs(l.objectives...).
		AddGuidelineSetIDs(l.guidelines...).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	l.res.Created++
	return ln, nil
}

// updateLaunch brings ln to r where they differ, and adds the series-wide links that are
// missing (keeping any others).
func (l *loader) updateLaunch(ctx context.Context, ln *ent.Launch, r launchRow) error {
	d := r.d
	u, dirty := ln.Update(), false
	set := func(differs bool, apply func()) {
		if differs {
			apply()
			dirty = true
		}
	}
	set(ln.Title != d.Title, func() { u.SetTitle(d.Title) })
	set(opt.Val(ln.Description) != d.Description, func() { setOrClear(d.Description, u.SetDescription, u.ClearDescription) })
	set(ln.RegionID != r.regionID, func() { u.SetRegionID(r.regionID) })
	set(ln.FormatID != r.formatID, func() { u.SetFormatID(r.formatID) })
	set(ln.Status != d.Status, func() { u.SetStatus(d.Status) })
	set(!ln.StartsAt.Equal(r.start), func() { u.SetStartsAt(r.start) })
	set(!ln.EndsAt.Equal(r.end), func() { u.SetEndsAt(r.end) })
	set(ln.Timezone != d.Timezone, func() { u.SetTimezone(d.Timezone) })
	set(ln.TimeConfirmed != r.confirmed, func() { u.SetTimeConfirmed(r.confirmed) })
	set(opt.Val(ln.Venue) != d.Venue, func() { setOrClear(d.Venue, u.SetVenue, u.ClearVenue) })
	set(ln.Online != d.Online, func() { u.SetOnline(d.Online) })
	set(opt.Val(ln.OnlineURL) != d.OnlineURL, func() { setOrClear(d.OnlineURL, u.SetOnlineURL, u.ClearOnlineURL) })
	set(!slices.Equal(ln.Languages, r.languages), func() { u.SetLanguages(r.languages) })
	set(!slices.Equal(ln.Hosts, r.hosts), func() { u.SetHosts(r.hosts) })
	set(!equalPtr(ln.Capacity, d.Capacity), func() {
		if d.Capacity == nil {
			u.ClearCapacity()
		} else {
			u.SetCapacity(*d.Capacity)
		}
	})
	set(opt.Val(ln.SourceURL) != d.SourceURL, func() { setOrClear(d.SourceURL, u.SetSourceURL, u.ClearSourceURL) })

	have, err := ln.QueryObjectives().IDs(ctx)
	if err != nil {
		return err
	}
	if missing := missingIDs(l.objectives, have); len(missing) > 0 {
		u.AddObjectiveIDs(missing...)
		dirty = true
	}
	if have, err = ln.QueryGuidelineSets().IDs(ctx); err != nil {
		return err
	}
	if missing := missingIDs(l.guidelines, have); len(missing) > 0 {
		u.AddGuidelineSetIDs(missing...)
		dirty = true
	}
	return l.save(ctx, dirty, u.Exec)
}

func (l *loader) session(ctx context.Context, launchID int, loc *time.Location, d Session) error {
	start, end, confirmed, err := d.Resolve(loc)
	if err != nil {
		return err
	}
	interpretation := nonNil(d.InterpretationLanguages)

	s, err := l.tx.Session.Query().
		Where(session.LaunchID(launchID), session.Position(d.Position)).
		Only(ctx)
	if ent.IsNotFound(err) {
		_, err = l.tx.Session.Create().
			SetLaunchID(launchID).
			SetPosition(d.Position).
			SetTitle(d.Title).
			SetNillableDescription(orNil(d.Description)).
			SetKind(d.Kind).
			SetStartsAt(start).
			SetEndsAt(end).
			SetTimeConfirmed(confirmed).
			SetNillableRoom(orNil(d.Room)).
			SetNillableChannel(orNil(d.Channel)).
			SetInterpretationLanguages(interpretation).
			Save(ctx)
		if err != nil {
			return err
		}
		l.res.Created++
		return nil
	}
	if err != nil {
		return err
	}
	u, dirty := s.Update(), false
	set := func(differs bool, apply func()) {
		if differs {
			apply()
			dirty = true
		}
	}
	set(s.Title != d.Title, func() { u.SetTitle(d.Title) })
	set(opt.Val(s.Description) != d.Description, func() { setOrClear(d.Description, u.SetDescription, u.ClearDescription) })
	set(s.Kind != d.Kind, func() { u.SetKind(d.Kind) })
	set(!s.StartsAt.Equal(start), func() { u.SetStartsAt(start) })
	set(!s.EndsAt.Equal(end), func() { u.SetEndsAt(end) })
	set(s.TimeConfirmed != confirmed, func() { u.SetTimeConfirmed(confirmed) })
	set(opt.Val(s.Room) != d.Room, func() { setOrClear(d.Room, u.SetRoom, u.ClearRoom) })
	set(opt.Val(s.Channel) != d.Channel, func() { setOrClear(d.Channel, u.SetChannel, u.ClearChannel) })
	set(!slices.Equal(s.InterpretationLanguages, interpretation), func() {
		u.SetInterpretationLanguages(interpretation)
	})
	return l.save(ctx, dirty, u.Exec)
}

// save runs exec only when something changed, and counts the update.
func (l *loader) save(ctx context.Context, dirty bool, exec func(context.Context) error) error {
	if !dirty {
		return nil
	}
	if err := exec(ctx); err != nil {
		return err
	}
	l.res.Updated++
	return nil
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// orNil stores an unknown (empty) optional string as NULL: optional fields such as URLs
// have validators that refuse "".
func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// setOrClear sets an optional string field, or clears it to NULL when v is empty.
func setOrClear[U any](v string, set func(string) U, unset func() U) {
	if v == "" {
		unset()
	} else {
		set(v)
	}
}

// nonNil keeps list fields stored as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// missingIDs returns the IDs of want that are not in have, in want's order.
func missingIDs(want, have []int) []int {
	var missing []int
	for _, id := range want {
		if !slices.Contains(have, id) {
			missing = append(missing, id)
		}
	}
	return missing
}
