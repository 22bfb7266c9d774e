package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestLaunchBySlug: launch(slug:) finds a launch the caller sees, null otherwise (a draft
// for the public, an unknown slug), on both stores.
func TestLaunchBySlug(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		draft := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetStatus("DRAFT") })
		admin := adminKey(t, db)
		const q = `query($slug: String!) { launch(slug: $slug) { slug title timezone } }`
		type result struct {
			Launch *struct{ Slug, Title, Timezone string }
		}
		var got result
		mustData(t, srv.URL, q, map[string]any{"slug": "cis-2020"}, &got)
		if got.Launch == nil || got.Launch.Slug != "cis-2020" || got.Launch.Timezone != "Europe/Moscow" {
			t.Fatalf("launch(slug: cis-2020) = %+v", got.Launch)
		}
		for _, slug := range []string{"no-such-launch", draft.Slug} {
			got = result{}
			mustData(t, srv.URL, q, map[string]any{"slug": slug}, &got)
			if got.Launch != nil {
				t.Errorf("public launch(slug: %s) = %+v, want null", slug, got.Launch)
			}
		}
		got = result{}
		dataAs(t, srv.URL, admin, q, map[string]any{"slug": draft.Slug}, &got)
		if got.Launch == nil || got.Launch.Slug != draft.Slug {
			t.Errorf("admin launch(slug: draft) = %+v, want the draft", got.Launch)
		}
	})
}

// TestLocalDates: startsOn/endsOn are the dates in the launch's zone, the last day
// inclusive, for launches and their sessions, on both stores.
func TestLocalDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		const q = `query($slug: String!) { launch(slug: $slug) {
		  startsAt startsOn endsOn timeConfirmed
		  sessions { edges { node { startsOn endsOn timeConfirmed } } } } }`
		type dates struct {
			StartsAt         string
			StartsOn, EndsOn string
			TimeConfirmed    bool
			Sessions         struct {
				Edges []struct {
					Node struct {
						StartsOn, EndsOn string
						TimeConfirmed    bool
					}
				}
			}
		}
		tests := []struct {
			slug, startsAt, startsOn, endsOn string
			sessions                         [][2]string
		}{
			// Hours unknown: startsAt is local midnight, which reads as the day before in UTC.
			{"africa-2020", "2020-10-25T21:00:00Z", "2020-10-26", "2020-10-30",
				[][2]string{{"2020-10-26", "2020-10-29"}, {"2020-10-30", "2020-10-30"}}},
			{"cis-2020", "2020-10-27T07:00:00Z", "2020-10-27", "2020-10-27",
				[][2]string{{"2020-10-27", "2020-10-27"}, {"2020-10-27", "2020-10-27"}, {"2020-10-27", "2020-10-27"}}},
			{"europe-2020", "2020-11-25T22:00:00Z", "2020-11-26", "2020-11-27", nil},
		}
		for _, tt := range tests {
			var got struct{ Launch dates }
			mustData(t, srv.URL, q, map[string]any{"slug": tt.slug}, &got)
			l := got.Launch
			startsAt, err := time.Parse(time.RFC3339, l.StartsAt)
			if err != nil || !startsAt.Equal(mustTime(t, tt.startsAt)) || l.StartsOn != tt.startsOn || l.EndsOn != tt.endsOn {
				t.Errorf("%s: startsAt %s startsOn %s endsOn %s, want %s %s %s", tt.slug, l.StartsAt, l.StartsOn, l.EndsOn, tt.startsAt, tt.startsOn, tt.endsOn)
			}
			if len(l.Sessions.Edges) != len(tt.sessions) {
				t.Fatalf("%s: %d sessions, want %d", tt.slug, len(l.Sessions.Edges), len(tt.sessions))
			}
			for i, e := range l.Sessions.Edges {
				if e.Node.StartsOn != tt.sessions[i][0] || e.Node.EndsOn != tt.sessions[i][1] {
					t.Errorf("%s session %d: %s–%s, want %s–%s", tt.slug, i, e.Node.StartsOn, e.Node.EndsOn, tt.sessions[i][0], tt.sessions[i][1])
				}
			}
		}
	})
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestSubscriptionsBySlug: every subscription that follows a launch takes its slug too;
// both or neither is BAD_USER_INPUT, a hidden or unknown slug NOT_FOUND.
func TestSubscriptionsBySlug(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(4) })
	draft := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetStatus("DRAFT") })
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe(t, "seats", `subscription($slug: String!) { seatsChanged(slug: $slug) { id launchId confirmed remaining } }`, map[string]any{"slug": l.Slug})
	var seats struct {
		SeatsChanged struct {
			ID, LaunchID string
			Confirmed    int
			Remaining    int
		}
	}
	c.next(t, 5*time.Second).data(t, &seats)
	wantID := "Seats:" + strconv.Itoa(l.ID)
	if seats.SeatsChanged.ID != wantID || seats.SeatsChanged.LaunchID != strconv.Itoa(l.ID) || seats.SeatsChanged.Remaining != 4 {
		t.Fatalf("seatsChanged(slug:) = %+v, want id %s", seats.SeatsChanged, wantID)
	}
	c.subscribe(t, "launch", `subscription($slug: String!) { launchChanged(slug: $slug) { slug title } }`, map[string]any{"slug": l.Slug})
	waitSubscribers(t, db, 2) // launchChanged sends nothing first: wait until it listens
	newRegClient(srv.URL, "").register(t, regInput(l.ID, "slug@example.org"))
	db.Client.Launch.UpdateOneID(l.ID).SetTitle("Renamed").ExecX(context.Background())
	for seen := map[string]bool{}; len(seen) < 2; {
		m := c.next(t, 5*time.Second)
		switch m.ID {
		case "seats":
			m.data(t, &seats)
			if seats.SeatsChanged.Confirmed != 1 || seats.SeatsChanged.ID != wantID {
				t.Fatalf("after register: %+v", seats.SeatsChanged)
			}
		case "launch":
			var ev struct{ LaunchChanged struct{ Slug, Title string } }
			m.data(t, &ev)
			if ev.LaunchChanged.Slug != l.Slug || ev.LaunchChanged.Title != "Renamed" {
				t.Fatalf("launchChanged(slug:) = %+v", ev)
			}
		}
		seen[m.ID] = true
	}

	bad := []struct{ query, code string }{
		{`subscription { seatsChanged { confirmed } }`, "BAD_USER_INPUT"},
		{`subscription { seatsChanged(launchId: "` + strconv.Itoa(l.ID) + `", slug: "` + l.Slug + `") { confirmed } }`, "BAD_USER_INPUT"},
		{`subscription { seatsChanged(slug: "no-such-launch") { confirmed } }`, "NOT_FOUND"},
		{`subscription { seatsChanged(slug: "` + draft.Slug + `") { confirmed } }`, "NOT_FOUND"},
		{`subscription { launchChanged(slug: "no-such-launch") { slug } }`, "NOT_FOUND"},
		{`subscription { programmeChanged(slug: "no-such-launch") { change } }`, "NOT_FOUND"},
	}
	for i, b := range bad {
		c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.subscribe(t, strconv.Itoa(i), b.query, nil)
		c.expectError(t, b.code)
	}
}

// waitSubscribers waits until db's in-process broker has n subscriptions.
func waitSubscribers(t *testing.T, db *store.DB, n int) {
	t.Helper()
	h, ok := db.Events.(interface{ Subscribers() int })
	if !ok {
		t.Fatalf("broker %T does not count subscribers", db.Events)
	}
	for deadline := time.Now().Add(10 * time.Second); h.Subscribers() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers after 10s, want %d", h.Subscribers(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRegisterBySlug: register takes the launch's slug instead of its id; both, neither,
// or a slug the caller does not see are refused with a code; on both stores.
func TestRegisterBySlug(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(2) })
		draft := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetStatus("DRAFT") })
		c := newRegClient(srv.URL, "")
		const q = `mutation($input: RegisterInput!) { register(input: $input) { manageToken registrant { status launch { slug } } } }`
		input := func(mod func(map[string]any)) map[string]any {
			in := regInput(0, "slug-reg@example.org")
			delete(in, "launchId")
			mod(in)
			return map[string]any{"input": in}
		}
		var got struct {
			Register struct {
				ManageToken string
				Registrant  struct {
					Status string
					Launch struct{ Slug string }
				}
			}
		}
		c.data(t, q, input(func(in map[string]any) { in["launchSlug"] = l.Slug }), &got)
		if got.Register.Registrant.Status != "CONFIRMED" || got.Register.Registrant.Launch.Slug != l.Slug || got.Register.ManageToken == "" {
			t.Fatalf("register by slug: %+v", got.Register)
		}
		for _, tt := range []struct {
			name        string
			mod         func(map[string]any)
			code, field string
		}{
			{"both", func(in map[string]any) { in["launchSlug"] = l.Slug; in["launchId"] = strconv.Itoa(l.ID) }, "BAD_USER_INPUT", "launchSlug"},
			{"neither", func(map[string]any) {}, "BAD_USER_INPUT", "launchId"},
			{"unknown slug", func(in map[string]any) { in["launchSlug"] = "no-such-launch" }, "NOT_FOUND", ""},
			{"draft", func(in map[string]any) { in["launchSlug"] = draft.Slug }, "NOT_FOUND", ""},
		} {
			resp, raw := c.post(t, q, input(func(in map[string]any) { in["email"] = "x-" + tt.name[:3] + "@example.org"; tt.mod(in) }))
			if resp.code() != tt.code || (tt.field != "" && resp.Errors[0].Extensions["field"] != tt.field) {
				t.Errorf("%s: %s, want %s on %q", tt.name, raw, tt.code, tt.field)
			}
		}
	})
}
