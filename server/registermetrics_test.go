package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"launchgraph/ent"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestRegistrationMetrics: /metrics counts register calls by outcome — confirmed,
// waitlisted, pending, rejected by the rule's code — and a repeat under an idempotency key
// is not counted again (issue 11.11).
func TestRegistrationMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		c := newRegClient(srv.URL, "")
		seat := regLaunch(t, db, func(lc *ent.LaunchCreate) { lc.SetCapacity(1).SetWaitlistEnabled(true) })
		approval := regLaunch(t, db, func(lc *ent.LaunchCreate) { lc.SetRequiresApproval(true) })
		full := regLaunch(t, db, func(lc *ent.LaunchCreate) { lc.SetCapacity(0) })

		keyed := regInput(seat.ID, "a@example.org")
		keyed["idempotencyKey"] = "metrics-key-0123456789"
		c.register(t, keyed)
		c.register(t, keyed) // a repeat: not counted
		c.register(t, regInput(seat.ID, "b@example.org"))
		c.register(t, regInput(seat.ID, "c@example.org"))
		c.register(t, regInput(approval.ID, "d@example.org"))
		for _, in := range []map[string]any{regInput(full.ID, "e@example.org"), regInput(seat.ID, "A@example.org")} {
			if resp, _ := c.post(t, registerMutation, map[string]any{"input": in}); resp.code() == "" {
				t.Fatalf("register %v succeeded", in["email"])
			}
		}

		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var got []string
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "launchgraph_registrations_total{") {
				got = append(got, line)
			}
		}
		want := []string{
			`launchgraph_registrations_total{outcome="confirmed",reason=""} 1`,
			`launchgraph_registrations_total{outcome="pending",reason=""} 1`,
			`launchgraph_registrations_total{outcome="rejected",reason="ALREADY_REGISTERED"} 1`,
			`launchgraph_registrations_total{outcome="rejected",reason="LAUNCH_FULL"} 1`,
			`launchgraph_registrations_total{outcome="waitlisted",reason=""} 2`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("metrics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
