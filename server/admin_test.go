package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// refs returns the ids of the seeded CIS region and one-day-forum format.
func refs(t *testing.T, url string) (regionID, formatID string) {
	t.Helper()
	var got struct {
		Regions struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Formats struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	mustData(t, url, `{ regions(where: {code: "CIS"}) { edges { node { id } } }
		formats(where: {kind: ONE_DAY_FORUM}) { edges { node { id } } } }`, nil, &got)
	return got.Regions.Edges[0].Node.ID, got.Formats.Edges[0].Node.ID
}

const createLaunch = `mutation($input: CreateLaunchInput!) { createLaunch(input: $input) { id status slug } }`

func launchInput(regionID, formatID, slug string, mods ...func(map[string]any)) map[string]any {
	in := map[string]any{
		"slug": slug, "title": "COP 2020 follow-up forum", "regionID": regionID, "formatID": formatID,
		"startsAt": "2030-10-27T10:00:00+03:00", "endsAt": "2030-10-27T15:00:00+03:00",
		"timezone": "Europe/Moscow", "languages": []string{"ru", "en"}, "capacity": 2, "waitlistEnabled": true,
	}
	for _, m := range mods {
		m(in)
	}
	return map[string]any{"input": in}
}

// TestAdminLaunchLifecycle is the acceptance path: an admin key creates a DRAFT
// launch that the public cannot see by any path and a partner can; publishing it shows it;
// every step is in the audit log.
func TestAdminLaunchLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		admin, partner := adminKey(t, db), newKey(t, db, auth.Partner)
		regionID, formatID := refs(t, srv.URL)

		var created struct {
			CreateLaunch struct{ ID, Status, Slug string }
		}
		dataAs(t, srv.URL, admin, createLaunch, launchInput(regionID, formatID, "cis-follow-up"), &created)
		id := created.CreateLaunch.ID
		if created.CreateLaunch.Status != "DRAFT" {
			t.Fatalf("new launch status %s, want DRAFT", created.CreateLaunch.Status)
		}

		const probe = `query($id: ID!) {
			node(id: $id) { id }
			launches(where: {slug: "cis-follow-up"}) { totalCount }
			regions(where: {code: "CIS"}) { edges { node { launches { totalCount } } } }
		}`
		count := func(key string) (nodeFound bool, listed, viaRegion int) {
			var got struct {
				Node     *struct{ ID string }
				Launches struct{ TotalCount int }
				Regions  struct {
					Edges []struct {
						Node struct{ Launches struct{ TotalCount int } }
					}
				}
			}
			resp := gqlAs(t, srv.URL, key, probe, map[string]any{"id": id})
			if err := json.Unmarshal(resp.Data, &got); err != nil {
				t.Fatal(err)
			}
			return got.Node != nil, got.Launches.TotalCount, got.Regions.Edges[0].Node.Launches.TotalCount
		}
		if found, listed, via := count(""); found || listed != 0 || via != 1 {
			t.Fatalf("public sees the draft: node %v, listed %d, region launches %d (want false, 0, 1)", found, listed, via)
		}
		if found, listed, via := count(partner); !found || listed != 1 || via != 2 {
			t.Fatalf("partner: node %v, listed %d, region launches %d (want true, 1, 2)", found, listed, via)
		}

		// Neither public nor partner may publish it.
		const publish = `mutation($id: ID!) { updateLaunch(id: $id, input: {status: PUBLISHED}) { status } }`
		for _, key := range []string{"", partner} {
			if resp := gqlAs(t, srv.URL, key, publish, map[string]any{"id": id}); resp.code() != "FORBIDDEN" {
				t.Fatalf("non-admin publish: %+v", resp.Errors)
			}
		}
		var pub struct{ UpdateLaunch struct{ Status string } }
		dataAs(t, srv.URL, admin, publish, map[string]any{"id": id}, &pub)
		if found, listed, _ := count(""); !found || listed != 1 {
			t.Fatalf("public after publishing: node %v, listed %d", found, listed)
		}

		var audit struct {
			AuditEntries struct {
				Edges []struct {
					Node struct {
						Operation, EntityType, ActorName string
						EntityID                         string
						Changes                          []struct{ Field, Before, After *string }
					}
				}
			}
		}
		dataAs(t, srv.URL, admin, `query($id: ID!) { auditEntries(where: {entityID: $id}, orderBy: [{field: CREATED_AT}]) {
			edges { node { operation entityType entityID actorName changes { field before after } } } } }`, map[string]any{"id": id}, &audit)
		var ops []string
		for _, e := range audit.AuditEntries.Edges {
			ops = append(ops, e.Node.Operation+":"+e.Node.EntityType)
			if e.Node.ActorName != "ADMIN test key" {
				t.Errorf("actor %q", e.Node.ActorName)
			}
		}
		if got := strings.Join(ops, " "); got != "createLaunch:Launch updateLaunch:Launch" {
			t.Fatalf("audit = %s", got)
		}
		last := audit.AuditEntries.Edges[1].Node.Changes
		if len(last) != 1 || *last[0].Field != "status" || *last[0].Before != "DRAFT" || *last[0].After != "PUBLISHED" {
			t.Fatalf("update changes = %+v", last)
		}
		// Partners cannot read the audit log.
		var none struct{ AuditEntries struct{ TotalCount int } }
		dataAs(t, srv.URL, partner, `{ auditEntries { totalCount } }`, nil, &none)
		if none.AuditEntries.TotalCount != 0 {
			t.Fatalf("partner sees %d audit entries", none.AuditEntries.TotalCount)
		}
	})
}

func TestAdminMutationErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		admin := adminKey(t, db)
		regionID, formatID := refs(t, srv.URL)
		var cis struct {
			Launches struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		mustData(t, srv.URL, `{ launches(where: {slug: "cis-2020"}) { edges { node { id } } } }`, nil, &cis)
		cisID := cis.Launches.Edges[0].Node.ID
		tests := []struct {
			name, query string
			vars        map[string]any
			code, field string
		}{
			{"bad zone", createLaunch, launchInput(regionID, formatID, "a", set("timezone", "Mars/Olympus")), "BAD_USER_INPUT", "timezone"},
			{"ends before starts", createLaunch, launchInput(regionID, formatID, "b", set("endsAt", "2030-10-26T10:00:00Z")), "BAD_USER_INPUT", "endsAt"},
			{"negative capacity", createLaunch, launchInput(regionID, formatID, "c", set("capacity", -1)), "BAD_USER_INPUT", "capacity"},
			{"bad language", createLaunch, launchInput(regionID, formatID, "d", set("languages", []string{"english"})), "BAD_USER_INPUT", "languages"},
			{"unknown region", createLaunch, launchInput("4294967999", formatID, "e"), "BAD_USER_INPUT", "regionID"},
			{"region id of a format", createLaunch, launchInput(formatID, formatID, "f"), "BAD_USER_INPUT", "regionID"},
			{"duplicate slug", createLaunch, launchInput(regionID, formatID, "cis-2020"), "CONFLICT", ""},
			{"duplicate region code", `mutation { createRegion(input: {code: "CIS", name: "Again", defaultTimezone: "UTC"}) { id } }`, nil, "CONFLICT", ""},
			{"update unknown launch", `mutation { updateLaunch(id: 8589934000, input: {title: "x"}) { id } }`, nil, "NOT_FOUND", ""},
			{"delete unknown speaker", `mutation { deleteSpeaker(id: 30064771000) }`, nil, "NOT_FOUND", ""},
			{"session ends before it starts", `mutation($l: ID!) { createSession(input: {launchID: $l, title: "x", kind: PANEL, startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T09:00:00Z"}) { id } }`, map[string]any{"l": cisID}, "BAD_USER_INPUT", "endsAt"},
			{"session of a region", `mutation($l: ID!) { createSession(input: {launchID: $l, title: "x", kind: PANEL, startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T11:00:00Z"}) { id } }`, map[string]any{"l": regionID}, "BAD_USER_INPUT", "launchID"},
		}
		before := db.Client.Launch.Query().CountX(context.Background())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := gqlAs(t, srv.URL, admin, tt.query, tt.vars)
				if resp.code() != tt.code {
					t.Fatalf("errors %+v, want %s", resp.Errors, tt.code)
				}
				if f, _ := resp.Errors[0].Extensions["field"].(string); f != tt.field {
					t.Fatalf("field %q, want %q (%s)", f, tt.field, resp.Errors[0].Message)
				}
				if strings.Contains(resp.Errors[0].Message, "pq:") || strings.Contains(resp.Errors[0].Message, "SQL") {
					t.Fatalf("driver text leaked: %s", resp.Errors[0].Message)
				}
			})
		}
		if after := db.Client.Launch.Query().CountX(context.Background()); after != before {
			t.Fatalf("launches %d → %d after failed mutations", before, after)
		}
		var audit struct{ AuditEntries struct{ TotalCount int } }
		dataAs(t, srv.URL, admin, `{ auditEntries { totalCount } }`, nil, &audit)
		if audit.AuditEntries.TotalCount != 0 {
			t.Fatalf("%d audit entries after failed mutations", audit.AuditEntries.TotalCount)
		}
	})
}

// TestAdminRollback: one failing field rolls back the whole mutation and its audit entries.
func TestAdminRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		admin := adminKey(t, db)
		resp := gqlAs(t, srv.URL, admin, `mutation {
			a: createSpeaker(input: {name: "Kept?"}) { id }
			b: createRegion(input: {code: "CIS", name: "duplicate", defaultTimezone: "UTC"}) { id }
		}`, nil)
		if resp.code() != "CONFLICT" {
			t.Fatalf("errors %+v", resp.Errors)
		}
		ctx := context.Background()
		if n := db.Client.Speaker.Query().CountX(ctx); n != 0 {
			t.Fatalf("%d speakers after rollback", n)
		}
		if n := db.Client.AuditEntry.Query().CountX(ctx); n != 0 {
			t.Fatalf("%d audit entries after rollback", n)
		}
	})
}

// TestCapacityIncreasePromotes: raising capacity promotes the waitlist in order, in the
// same transaction; lowering it below the confirmed count is refused.
func TestCapacityIncreasePromotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db))
		admin := adminKey(t, db)
		regionID, formatID := refs(t, srv.URL)
		var created struct{ CreateLaunch struct{ ID string } }
		dataAs(t, srv.URL, admin, createLaunch, launchInput(regionID, formatID, "cap", set("status", "PUBLISHED")), &created)
		id := created.CreateLaunch.ID
		var statuses []string
		for i := range 5 {
			var reg struct {
				Register struct{ Registrant struct{ Status string } }
			}
			mustData(t, srv.URL, `mutation($in: RegisterInput!) { register(input: $in) { registrant { status } } }`,
				map[string]any{"in": map[string]any{"launchId": id, "name": fmt.Sprintf("P%d", i), "email": fmt.Sprintf("p%d@example.org", i), "consent": true}}, &reg)
			statuses = append(statuses, reg.Register.Registrant.Status)
		}
		if got := strings.Join(statuses, " "); got != "CONFIRMED CONFIRMED WAITLISTED WAITLISTED WAITLISTED" {
			t.Fatalf("statuses %s", got)
		}
		resp := gqlAs(t, srv.URL, admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {capacity: 1}) { id } }`, map[string]any{"id": id})
		if resp.code() != "BAD_USER_INPUT" {
			t.Fatalf("lowering below confirmed: %+v", resp.Errors)
		}
		var seats struct {
			UpdateLaunch struct {
				Seats struct{ Confirmed, Waitlisted int }
			}
		}
		dataAs(t, srv.URL, admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {capacity: 4}) { seats { confirmed waitlisted } } }`, map[string]any{"id": id}, &seats)
		if seats.UpdateLaunch.Seats.Confirmed != 4 || seats.UpdateLaunch.Seats.Waitlisted != 1 {
			t.Fatalf("after raising capacity: %+v", seats.UpdateLaunch.Seats)
		}
		var regs struct {
			Registrants struct {
				Edges []struct {
					Node struct {
						Email, Status    string
						WaitlistPosition *int
					}
				}
			}
		}
		dataAs(t, srv.URL, admin, `query($id: ID!) { registrants(where: {hasLaunchWith: {id: $id}}, orderBy: [{field: CREATED_AT}]) {
			edges { node { email status waitlistPosition } } } }`, map[string]any{"id": id}, &regs)
		var got []string
		for _, e := range regs.Registrants.Edges {
			s := e.Node.Email + "=" + e.Node.Status
			if e.Node.WaitlistPosition != nil {
				s += fmt.Sprint("#", *e.Node.WaitlistPosition)
			}
			got = append(got, s)
		}
		want := "p0@example.org=CONFIRMED p1@example.org=CONFIRMED p2@example.org=CONFIRMED p3@example.org=CONFIRMED p4@example.org=WAITLISTED#1"
		if strings.Join(got, " ") != want {
			t.Fatalf("registrants:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
	})
}

// set returns a modifier of an input map.
func set(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
