package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/catalog"
	"launchgraph/internal/registration"
	"launchgraph/internal/registration/regtest"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func viewer(role auth.Role) context.Context {
	return auth.WithViewer(context.Background(), auth.Viewer{Role: role, KeyID: 1, KeyName: string(role)})
}

// fixture is a store with a region, a format and one PUBLISHED launch of capacity 2
// holding 2 confirmed and 2 waitlisted registrants, and the catalog over it.
type fixture struct {
	db                 *store.DB
	reg                *registration.Service
	cat                *catalog.Service
	regionID, formatID int
	full               *ent.Launch
	start              time.Time
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, reg: registration.NewService(db.Client), start: time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)}
	f.cat = catalog.New(db.Client, f.reg)
	f.regionID = db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx).ID
	f.formatID = db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx).ID
	f.full = db.Client.Launch.Create().SetSlug("full").SetTitle("Full").SetRegionID(f.regionID).SetFormatID(f.formatID).
		SetStatus(launch.StatusPUBLISHED).SetStartsAt(f.start).SetEndsAt(f.start.Add(time.Hour)).SetTimezone("Europe/Zurich").
		SetCapacity(2).SetWaitlistEnabled(true).SaveX(ctx)
	for i := range 4 {
		in := registration.Input{LaunchID: f.full.ID, Name: "P", Email: fmt.Sprintf("p%d@example.org", i), Consent: true}
		if _, err := f.reg.Register(viewer(auth.Public), in); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) launchInput(slug string) ent.CreateLaunchInput {
	return ent.CreateLaunchInput{Slug: slug, Title: slug, RegionID: f.regionID, FormatID: f.formatID,
		StartsAt: f.start, EndsAt: f.start.Add(time.Hour), Timezone: "Europe/Zurich"}
}

// TestCatalogRules: each admin write's rules, on both stores.
func TestCatalogRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := viewer(auth.Admin)
		tests := []struct {
			name      string
			ctx       context.Context
			op        func(ctx context.Context) error
			wantCode  apperr.Code
			wantField string
		}{
			{"admin creates a launch", admin, func(ctx context.Context) error {
				_, err := f.cat.CreateLaunch(ctx, f.launchInput("new"))
				return err
			}, "", ""},
			{"public may not", viewer(auth.Public), func(ctx context.Context) error {
				_, err := f.cat.CreateLaunch(ctx, f.launchInput("public"))
				return err
			}, apperr.Forbidden, ""},
			{"a partner may not", viewer(auth.Partner), func(ctx context.Context) error {
				_, err := f.cat.CreateRegion(ctx, ent.CreateRegionInput{Code: "ZZZ", Name: "Z", DefaultTimezone: "UTC"})
				return err
			}, apperr.Forbidden, ""},
			{"unknown region", admin, func(ctx context.Context) error {
				in := f.launchInput("unknown-region")
				in.RegionID = 1 << 40
				_, err := f.cat.CreateLaunch(ctx, in)
				return err
			}, apperr.BadUserInput, "regionID"},
			{"a format's id as the region", admin, func(ctx context.Context) error {
				in := f.launchInput("format-as-region")
				in.RegionID = f.formatID
				_, err := f.cat.CreateLaunch(ctx, in)
				return err
			}, apperr.BadUserInput, "regionID"},
			{"a session ending before it starts", admin, func(ctx context.Context) error {
				_, err := f.cat.CreateSession(ctx, ent.CreateSessionInput{Title: "S", Kind: "PANEL", LaunchID: f.full.ID,
					StartsAt: f.start, EndsAt: f.start.Add(-time.Minute)})
				return err
			}, apperr.BadUserInput, "endsAt"},
			{"registration closing before it opens", admin, func(ctx context.Context) error {
				_, err := f.cat.UpdateLaunch(ctx, f.full.ID, ent.UpdateLaunchInput{
					RegistrationOpensAt: ptr(f.start.Add(-time.Hour)), RegistrationClosesAt: ptr(f.start.Add(-2 * time.Hour))})
				return err
			}, apperr.BadUserInput, "registrationClosesAt"},
			{"capacity below the confirmed", admin, func(ctx context.Context) error {
				_, err := f.cat.UpdateLaunch(ctx, f.full.ID, ent.UpdateLaunchInput{Capacity: ptr(1)})
				return err
			}, apperr.BadUserInput, "capacity"},
			{"a launch with registrants stays", admin, func(ctx context.Context) error {
				_, err := f.cat.DeleteLaunch(ctx, f.full.ID)
				return err
			}, apperr.Conflict, ""},
			{"an unknown session", admin, func(ctx context.Context) error {
				_, err := f.cat.DeleteSession(ctx, 1<<40)
				return err
			}, apperr.NotFound, ""},
			{"an unknown speaker", admin, func(ctx context.Context) error {
				_, err := f.cat.DeleteSpeaker(ctx, 1<<40)
				return err
			}, apperr.NotFound, ""},
			{"an unknown session for a speaker", admin, func(ctx context.Context) error {
				_, err := f.cat.CreateSpeaker(ctx, ent.CreateSpeakerInput{Name: "S", SessionIDs: []int{1 << 40}})
				return err
			}, apperr.BadUserInput, "sessionIDs"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.op(tt.ctx)
				if got := apperr.CodeOf(err); err != nil && got != tt.wantCode || err == nil && tt.wantCode != "" {
					t.Fatalf("error %v (code %q), want code %q", err, got, tt.wantCode)
				}
				var ae *apperr.Error
				if tt.wantField != "" && (!errors.As(err, &ae) || ae.Field != tt.wantField) {
					t.Errorf("error %v, want it on field %q", err, tt.wantField)
				}
			})
		}
		regtest.Invariants(t, db.Client, f.full)
	})
}

// TestCatalogCapacityWorkflow: raising a full launch's capacity promotes its waitlist in
// the same write, removing it promotes everyone; the counters follow.
func TestCatalogCapacityWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		admin := viewer(auth.Admin)
		l, err := f.cat.UpdateLaunch(admin, f.full.ID, ent.UpdateLaunchInput{Capacity: ptr(3)})
		if err != nil || *l.Capacity != 3 {
			t.Fatalf("UpdateLaunch = %+v, %v", l, err)
		}
		if got := regtest.Invariants(t, db.Client, l); got != (registration.Counts{Confirmed: 3, Waitlisted: 1}) {
			t.Errorf("after raising to 3: %+v, want 3 confirmed, 1 waitlisted", got)
		}
		l, err = f.cat.UpdateLaunch(admin, f.full.ID, ent.UpdateLaunchInput{ClearCapacity: true})
		if err != nil || l.Capacity != nil {
			t.Fatalf("UpdateLaunch = %+v, %v", l, err)
		}
		if got := regtest.Invariants(t, db.Client, l); got != (registration.Counts{Confirmed: 4}) {
			t.Errorf("after removing the limit: %+v, want 4 confirmed", got)
		}
		if n := db.Client.Registrant.Query().Where(registrant.StatusEQ(registrant.StatusWAITLISTED)).CountX(ctx); n != 0 {
			t.Errorf("%d still waitlisted", n)
		}
		// Edges resolve on what the catalog returns outside a caller's transaction.
		if r, err := l.QueryRegion().Only(ctx); err != nil || r.ID != f.regionID {
			t.Errorf("region of the returned launch: %v, %v", r, err)
		}
	})
}
