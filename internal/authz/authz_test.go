package authz_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/ent/session"
	"launchgraph/ent/speaker"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/authz/authztest"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

var (
	public  = auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public})
	partner = auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Partner, KeyID: 1, KeyName: "p"})
	admin   = auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Admin, KeyID: 2, KeyName: "a"})
	trusted = context.Background()
)

func TestReadsByViewer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := db.Client
		f := authztest.New(t, c)
		own := auth.WithRegistrant(public, f.Registrant.ID)
		// Each count builds a new query: a policy filter stays on the query it was added to.
		count := map[string]func(context.Context) (int, error){
			"launches":             func(ctx context.Context) (int, error) { return c.Launch.Query().Count(ctx) },
			"sessions":             func(ctx context.Context) (int, error) { return c.Session.Query().Count(ctx) },
			"speakers":             func(ctx context.Context) (int, error) { return c.Speaker.Query().Count(ctx) },
			"objectives":           func(ctx context.Context) (int, error) { return c.Objective.Query().Count(ctx) },
			"regions":              func(ctx context.Context) (int, error) { return c.Region.Query().Count(ctx) },
			"registrants":          func(ctx context.Context) (int, error) { return c.Registrant.Query().Count(ctx) },
			"registrants via edge": func(ctx context.Context) (int, error) { return c.Launch.Query().QueryRegistrants().Count(ctx) },
			"api keys":             func(ctx context.Context) (int, error) { return c.APIKey.Query().Count(ctx) },
			"idempotency keys":     func(ctx context.Context) (int, error) { return c.IdempotencyKey.Query().Count(ctx) },
			"audit entries":        func(ctx context.Context) (int, error) { return c.AuditEntry.Query().Count(ctx) },
		}
		all := map[string]int{}
		for name, n := range count {
			got, err := n(trusted)
			if err != nil {
				t.Fatal(err)
			}
			all[name] = got
		}
		if _, _, err := auth.Create(trusted, c, auth.Admin, "k", 0); err != nil {
			t.Fatal(err)
		}
		all["api keys"]++

		tests := []struct {
			name string
			ctx  context.Context
			want map[string]int // missing: same as trusted code
		}{
			{"trusted", trusted, nil},
			{"admin", admin, nil},
			{"allow decision", privacy.DecisionContext(public, privacy.Allow), nil},
			{"partner", partner, map[string]int{"registrants": 0, "registrants via edge": 0, "api keys": 0, "idempotency keys": 0, "audit entries": 0}},
			{"public", public, map[string]int{
				"launches": all["launches"] - 1, "sessions": all["sessions"] - 1,
				"speakers": all["speakers"] - 2, "objectives": all["objectives"] - 1,
				"registrants": 0, "registrants via edge": 0, "api keys": 0, "idempotency keys": 0, "audit entries": 0,
			}},
			{"registrant token", own, map[string]int{
				"launches": all["launches"] - 1, "sessions": all["sessions"] - 1,
				"speakers": all["speakers"] - 2, "objectives": all["objectives"] - 1,
				"registrants": 1, "registrants via edge": 1, "api keys": 0, "idempotency keys": 0, "audit entries": 0,
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for name, n := range count {
					want, ok := tt.want[name]
					if !ok {
						want = all[name]
					}
					if got, err := n(tt.ctx); err != nil || got != want {
						t.Errorf("%s = %d, %v; want %d", name, got, err, want)
					}
				}
			})
		}

		// The token holder reads that registrant, and no other.
		if got, err := c.Registrant.Query().Only(own); err != nil || got.ID != f.Registrant.ID {
			t.Errorf("registrant token: got %v, %v; want registrant %d", got, err, f.Registrant.ID)
		}
		// Eager loading goes through the policies too.
		ls, err := c.Launch.Query().WithRegistrants().WithSessions(func(q *ent.SessionQuery) { q.WithSpeakers() }).All(public)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			if l.Status == launch.StatusDRAFT || len(l.Edges.Registrants) > 0 {
				t.Errorf("public eager load: launch %s (%s) with %d registrants", l.Slug, l.Status, len(l.Edges.Registrants))
			}
		}
		shared, err := c.Speaker.Query().Where(speaker.ID(f.Shared.ID)).WithSessions().Only(public)
		if err != nil || len(shared.Edges.Sessions) != 1 || shared.Edges.Sessions[0].ID == f.DraftSession.ID {
			t.Errorf("public eager load of %s's sessions: %v, %v; want only the published session", authztest.SharedSpeaker, shared, err)
		}
	})
}

// snapshot renders every row trusted code can read, to tell whether anything changed.
func snapshot(t *testing.T, c *ent.Client) string {
	t.Helper()
	ctx := trusted
	// In id order, edges too: without an order the rows come in the plan's order, which
	// may change between two snapshots (PostgreSQL switches a cached statement to its
	// generic plan after five runs).
	byID := sql.OrderByField("id").ToFunc()
	rows := []any{
		c.Region.Query().Order(byID).AllX(ctx), c.Format.Query().Order(byID).AllX(ctx),
		c.GuidelineSet.Query().Order(byID).AllX(ctx),
		c.Launch.Query().Order(byID).WithObjectives(func(q *ent.ObjectiveQuery) { q.Order(byID) }).
			WithGuidelineSets(func(q *ent.GuidelineSetQuery) { q.Order(byID) }).AllX(ctx),
		c.Session.Query().Order(byID).WithSpeakers(func(q *ent.SpeakerQuery) { q.Order(byID) }).AllX(ctx),
		c.Speaker.Query().Order(byID).AllX(ctx), c.Objective.Query().Order(byID).AllX(ctx),
		c.Registrant.Query().Order(byID).AllX(ctx), c.APIKey.Query().Order(byID).AllX(ctx),
		c.IdempotencyKey.Query().Order(byID).AllX(ctx), c.AuditEntry.Query().Order(byID).AllX(ctx),
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMutationsNeedAnAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := db.Client
		f := authztest.New(t, c)
		start := time.Date(2032, 1, 1, 9, 0, 0, 0, time.UTC)
		victim := mustKey(t, c)
		mutations := []struct {
			name string
			run  func(ctx context.Context) error
		}{
			{"create region", c.Region.Create().SetCode("XYZ").SetName("X").SetDefaultTimezone("UTC").Exec},
			{"update region", c.Region.UpdateOneID(f.Draft.RegionID).SetName("Renamed").Exec},
			{"update format", c.Format.UpdateOneID(f.Draft.FormatID).SetName("Renamed").Exec},
			{"update guideline set", c.GuidelineSet.Update().SetTitle("Renamed").Exec},
			{"create launch", c.Launch.Create().SetSlug("new-launch").SetTitle("New").
				SetRegionID(f.Draft.RegionID).SetFormatID(f.Draft.FormatID).
				SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("UTC").Exec},
			{"publish the draft", c.Launch.UpdateOneID(f.Draft.ID).SetStatus(launch.StatusPUBLISHED).Exec},
			{"publish every draft", c.Launch.Update().Where(launch.StatusEQ(launch.StatusDRAFT)).SetStatus(launch.StatusPUBLISHED).Exec},
			{"delete a launch", c.Launch.DeleteOneID(f.Published.ID).Exec},
			{"create session", c.Session.Create().SetLaunchID(f.Published.ID).SetTitle("S").SetKind(session.KindPANEL).
				SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).Exec},
			{"update session", c.Session.UpdateOneID(f.DraftSession.ID).SetTitle("Leaked").Exec},
			{"delete session", c.Session.DeleteOneID(f.DraftSession.ID).Exec},
			{"create speaker", c.Speaker.Create().SetName("New").Exec},
			{"link speaker", c.Speaker.UpdateOneID(f.Unassigned.ID).AddSessionIDs(f.DraftSession.ID).Exec},
			{"delete speaker", c.Speaker.DeleteOneID(f.Speaker.ID).Exec},
			{"update objective", c.Objective.UpdateOneID(f.Objective.ID).SetSeriesWide(true).Exec},
			{"create registrant", c.Registrant.Create().SetLaunchID(f.Published.ID).SetName("N").SetEmail("n@example.org").
				SetEmailKey("n@example.org").SetStatus(registrant.StatusCONFIRMED).SetConsentAt(start).Exec},
			{"confirm registrant", c.Registrant.UpdateOneID(f.DraftRegistrant.ID).SetStatus(registrant.StatusCONFIRMED).Exec},
			{"delete registrant", c.Registrant.DeleteOneID(f.Registrant.ID).Exec},
			{"create api key", func(ctx context.Context) error { _, _, err := auth.Create(ctx, c, auth.Admin, "mine", 0); return err }},
			{"revoke api key", func(ctx context.Context) error { return auth.Revoke(ctx, c, victim) }},
			{"delete idempotency key", c.IdempotencyKey.DeleteOneID(f.Idempotency.ID).Exec},
			{"forge audit entry", c.AuditEntry.Create().SetActorName("x").SetOperation("x").SetEntityType("x").
				SetChanges(nil).Exec},
			{"erase audit log", func(ctx context.Context) error { _, err := c.AuditEntry.Delete().Exec(ctx); return err }},
		}
		viewers := []struct {
			name string
			ctx  context.Context
		}{
			{"public", public},
			{"partner", partner},
			{"registrant token", auth.WithRegistrant(public, f.Registrant.ID)},
			{"deny decision over admin", privacy.DecisionContext(admin, privacy.Deny)},
		}
		for _, v := range viewers {
			for _, m := range mutations {
				t.Run(v.name+"/"+m.name, func(t *testing.T) {
					before := snapshot(t, c)
					err := m.run(v.ctx)
					if !errors.Is(err, privacy.Deny) {
						t.Fatalf("err = %v, want a privacy denial", err)
					}
					if v.name != "deny decision over admin" && apperr.CodeOf(err) != apperr.Forbidden {
						t.Fatalf("err = %v (code %s), want FORBIDDEN", err, apperr.CodeOf(err))
					}
					if after := snapshot(t, c); after != before {
						t.Fatal("the denied mutation changed data")
					}
				})
			}
		}

		// Admins, trusted code and an explicit allow decision (what registration uses for a
		// public register call) may write.
		allowed := []struct {
			name string
			ctx  context.Context
			run  func(ctx context.Context) error
		}{
			{"admin", admin, c.Launch.UpdateOneID(f.Draft.ID).SetStatus(launch.StatusPUBLISHED).Exec},
			{"trusted", trusted, c.Speaker.Create().SetName("Trusted").Exec},
			{"allow decision", privacy.DecisionContext(public, privacy.Allow), c.Registrant.Create().
				SetLaunchID(f.Published.ID).SetName("P").SetEmail("p@example.org").SetEmailKey("p@example.org").
				SetStatus(registrant.StatusCONFIRMED).SetConsentAt(start).Exec},
		}
		for _, a := range allowed {
			if err := a.run(a.ctx); err != nil {
				t.Errorf("%s: %v, want the mutation to succeed", a.name, err)
			}
		}
	})
}

// mustKey returns the id of an API key, creating one as trusted code.
func mustKey(t *testing.T, c *ent.Client) int {
	t.Helper()
	_, k, err := auth.Create(trusted, c, auth.Partner, "victim", 0)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

func TestForbiddenIsCodedAndADenial(t *testing.T) {
	err := fmt.Errorf("saving: %w", authz.Forbidden("Launch"))
	if !errors.Is(err, privacy.Deny) || apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("err = %v: want both a privacy denial and FORBIDDEN", err)
	}
	if e, _ := apperr.As(err); e.Message != "only an admin may change Launch data" {
		t.Fatalf("message %q", e.Message)
	}
}

// TestEveryEntityHasAPolicy: an entity without a policy would be readable and writable by
// anyone, so a new schema must say who may see it.
func TestEveryEntityHasAPolicy(t *testing.T) {
	graph, err := entc.LoadGraph("../../ent/schema", &gen.Config{})
	if err != nil {
		t.Fatalf("loading the ent schema: %v", err)
	}
	for _, n := range graph.Nodes {
		if n.NumPolicy() == 0 {
			t.Errorf("%s has no Policy(); add one to ent/schema/policy.go", n.Name)
		}
	}
}

// TestSeesLaunchIsThePolicy: the in-memory rule (SeesLaunch) answers as the launch policy
// does in the database, for every status and viewer.
func TestSeesLaunchIsThePolicy(t *testing.T) {
	db := storetest.SQLite(t)
	f := authztest.New(t, db.Client)
	for _, status := range []launch.Status{launch.StatusDRAFT, launch.StatusPUBLISHED, launch.StatusCOMPLETED, launch.StatusCANCELLED} {
		l := db.Client.Launch.UpdateOneID(f.Published.ID).SetStatus(status).SaveX(trusted)
		for name, ctx := range map[string]context.Context{"public": public, "partner": partner, "admin": admin, "trusted": trusted} {
			_, err := db.Client.Launch.Get(ctx, l.ID)
			if err != nil && !ent.IsNotFound(err) {
				t.Fatal(err)
			}
			if got, want := authz.SeesLaunch(ctx, l), err == nil; got != want {
				t.Errorf("%s, %s launch: SeesLaunch %v, the policy %v", name, status, got, want)
			}
		}
	}
}
