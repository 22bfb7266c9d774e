package main

import (
	"context"
	"strconv"
	"testing"

	"launchgraph/ent"
	"launchgraph/ent/auditentry"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestCancelRegistrationByAdmin: an admin cancels a registration by id on the person's
// behalf (public callers may not); the seat goes to the first waitlisted registrant, whose
// promotion is audited with its state before (issue 12.8: it read before: null); the
// address may register again; cancelling twice returns the cancelled registrant.
func TestCancelRegistrationByAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1).SetWaitlistEnabled(true) })
		srv := testServer(t, db)
		public, admin := newRegClient(srv.URL, ""), newRegClient(srv.URL, adminKey(t, db))
		a := public.register(t, regInput(l.ID, "a@example.org")).Register
		b := public.register(t, regInput(l.ID, "b@example.org")).Register

		const cancel = `mutation($id: ID!) { cancelRegistrationByAdmin(id: $id) { id status waitlistPosition } }`
		if resp, raw := public.post(t, cancel, map[string]any{"id": a.Registrant.ID}); resp.code() != "FORBIDDEN" {
			t.Errorf("public cancelRegistrationByAdmin: %s, want FORBIDDEN", raw)
		}
		for range 2 { // the second time returns the cancelled registrant
			var got struct{ CancelRegistrationByAdmin registrantData }
			admin.data(t, cancel, map[string]any{"id": a.Registrant.ID}, &got)
			if got.CancelRegistrationByAdmin.Status != "CANCELLED" || got.CancelRegistrationByAdmin.ID != a.Registrant.ID {
				t.Errorf("cancelRegistrationByAdmin = %+v, want %s CANCELLED", got.CancelRegistrationByAdmin, a.Registrant.ID)
			}
		}
		if resp, raw := admin.post(t, cancel, map[string]any{"id": "8589934591"}); resp.code() != "NOT_FOUND" {
			t.Errorf("unknown id: %s, want NOT_FOUND", raw)
		}
		if got := public.registration(t, b.ManageToken); got == nil || got.Status != "CONFIRMED" || got.WaitlistPosition != nil {
			t.Errorf("waitlisted after the cancellation = %+v, want CONFIRMED", got)
		}
		if again := public.register(t, regInput(l.ID, "a@example.org")).Register; again.Registrant.Status != "WAITLISTED" {
			t.Errorf("the cancelled address registers again as %s, want WAITLISTED", again.Registrant.Status)
		}

		// The promotion's audit entry, as an admin reads it.
		var audit struct {
			AuditEntries struct {
				Edges []struct {
					Node struct {
						Operation string
						Changes   []struct {
							Field         string
							Before, After *string
						}
					}
				}
			}
		}
		admin.data(t, `query($id: ID!) { auditEntries(where: {entityID: $id}) { edges { node { operation changes { field before after } } } } }`,
			map[string]any{"id": b.Registrant.ID}, &audit)
		if len(audit.AuditEntries.Edges) != 1 {
			t.Fatalf("audit entries of the promoted registrant: %+v, want one", audit.AuditEntries.Edges)
		}
		e := audit.AuditEntries.Edges[0].Node
		got := map[string][2]string{}
		for _, c := range e.Changes {
			got[c.Field] = [2]string{deref(c.Before), deref(c.After)}
		}
		want := map[string][2]string{"status": {"WAITLISTED", "CONFIRMED"}, "waitlist_position": {"1", "<null>"}}
		if e.Operation != "cancelRegistrationByAdmin" || len(got) != len(want) || got["status"] != want["status"] ||
			got["waitlist_position"] != want["waitlist_position"] {
			t.Errorf("promotion audited as %s %v, want cancelRegistrationByAdmin %v", e.Operation, got, want)
		}
		if n := db.Client.AuditEntry.Query().Where(auditentry.Operation("cancelRegistrationByAdmin"), auditentry.EntityID(mustAtoi(t, a.Registrant.ID))).CountX(ctx); n == 0 {
			t.Error("the cancellation itself is not audited")
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
