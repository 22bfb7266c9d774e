// Package demo adds the development sandbox: one launch, marked in its slug, title and
// description as made up, that is open for registration, so that a new user can try the
// registration flow end to end. The COP 2020 seed data stays as published: every real
// launch is over, and none of them is changed.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/launch"
	"launchgraph/ent/region"
)

// Slug is the sandbox launch's slug.
const Slug = "sandbox"

// The sandbox's texts say what it is wherever it is shown.
const (
	Title       = "SANDBOX: demo launch for trying registration (not a real event)"
	Description = "Made up by `server demo` in development so that registration can be tried: " +
		"it is not a COP 2020 Guidelines launch, and its dates, capacity and attachment to a " +
		"region are invented. Production servers refuse to create it."
)

// The sandbox's made-up facts: a two-hour online event 30 days ahead at 10:00 Geneva
// time (ITU's seat), three seats and a waitlist, so that both outcomes can be tried.
const (
	zone     = "Europe/Zurich"
	ahead    = 30 * 24 * time.Hour
	length   = 2 * time.Hour
	capacity = 3
)

// ErrNoSeed is returned when the store has no region or format to attach the sandbox to.
var ErrNoSeed = errors.New("demo: the store has no regions or formats: seed it first")

// Ensure creates the sandbox launch, or moves it to 30 days after now once it has started
// and so closed registration (its registrants stay). It reports whether it created the launch. Run it as
// trusted code (no viewer in ctx).
func Ensure(ctx context.Context, client *ent.Client, now time.Time) (created bool, err error) {
	start, end, err := window(now)
	if err != nil {
		return false, err
	}
	l, err := client.Launch.Query().Where(launch.Slug(Slug)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return true, create(ctx, client, start, end)
	case err != nil:
		return false, fmt.Errorf("demo: find the sandbox: %w", err)
	case !l.StartsAt.After(now): // registration has closed
		err := client.Launch.UpdateOne(l).
			SetStartsAt(start).SetEndsAt(end).
			SetStatus(launch.StatusPUBLISHED).
			ClearRegistrationOpensAt().SetRegistrationClosesAt(start).
			Exec(ctx)
		if err != nil {
			return false, fmt.Errorf("demo: move the sandbox forward: %w", err)
		}
	}
	return false, nil
}

// window is the sandbox's start and end for a start at now: 10:00 local, 30 days ahead.
func window(now time.Time) (start, end time.Time, err error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("demo: zone: %w", err)
	}
	day := now.Add(ahead).In(loc)
	start = time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc)
	return start, start.Add(length), nil
}

func create(ctx context.Context, client *ent.Client, start, end time.Time) error {
	// Europe, as any region would do; the description says the attachment is invented.
	r, err := client.Region.Query().Where(region.Code("EUR")).Only(ctx)
	if ent.IsNotFound(err) {
		r, err = client.Region.Query().Order(region.ByCode()).First(ctx)
	}
	if ent.IsNotFound(err) {
		return ErrNoSeed
	}
	if err != nil {
		return fmt.Errorf("demo: region: %w", err)
	}
	f, err := client.Format.Query().Where(format.KindEQ(format.KindONE_DAY_FORUM)).First(ctx)
	if ent.IsNotFound(err) {
		f, err = client.Format.Query().First(ctx)
	}
	if ent.IsNotFound(err) {
		return ErrNoSeed
	}
	if err != nil {
		return fmt.Errorf("demo: format: %w", err)
	}
	err = client.Launch.Create().
		SetSlug(Slug).SetTitle(Title).SetDescription(Description).
		SetRegion(r).SetFormat(f).
		SetStatus(launch.StatusPUBLISHED).
		SetStartsAt(start).SetEndsAt(end).SetTimezone(zone).SetTimeConfirmed(true).
		SetOnline(true).SetLanguages([]string{"en"}).
		SetCapacity(capacity).SetWaitlistEnabled(true).
		SetRegistrationClosesAt(start).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("demo: create the sandbox: %w", err)
	}
	return nil
}
