package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestOptionalTextsAreNull: optional texts that were never set, or were set to "", are
// null in the API — not "" — and `…IsNil` filters find them (issue 11.4).
func TestOptionalTextsAreNull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		admin := adminKey(t, db)
		l := regLaunch(t, db)
		lid := strconv.Itoa(l.ID)

		// Set, then emptied by a client sending "".
		dataAs(t, srv.URL, admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {venue: "Geneva"}) { id } }`,
			map[string]any{"id": lid}, nil)
		dataAs(t, srv.URL, admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {venue: ""}) { id } }`,
			map[string]any{"id": lid}, nil)
		var sp struct{ CreateSpeaker struct{ ID string } }
		dataAs(t, srv.URL, admin, `mutation { createSpeaker(input: {name: "Ana", affiliation: ""}) { id } }`, nil, &sp)
		reg := newRegClient(srv.URL, "").register(t, map[string]any{
			"launchId": lid, "name": "Bo", "email": "bo@example.org", "consent": true, "organisation": "  "})

		var got struct {
			Node      map[string]any
			Speaker   map[string]any
			Nil       struct{ TotalCount int }
			Registrnt map[string]any
		}
		dataAs(t, srv.URL, admin, `query($l: ID!, $s: ID!, $r: ID!) {
			node(id: $l) { ... on Launch { venue onlineURL sourceURL description } }
			speaker: node(id: $s) { ... on Speaker { title affiliation bio } }
			nil: launches(where: {venueIsNil: true, id: $l}) { totalCount }
			registrnt: node(id: $r) { ... on Registrant { organisation jobTitle country language rejectionReason } }
		}`, map[string]any{"l": lid, "s": sp.CreateSpeaker.ID, "r": reg.Register.Registrant.ID}, &got)
		for what, obj := range map[string]map[string]any{"launch": got.Node, "speaker": got.Speaker, "registrant": got.Registrnt} {
			if len(obj) == 0 {
				t.Errorf("%s: no fields read", what)
			}
			for k, v := range obj {
				if v != nil {
					b, _ := json.Marshal(v)
					t.Errorf("%s.%s = %s, want null", what, k, b)
				}
			}
		}
		if got.Nil.TotalCount != 1 {
			t.Errorf("launches(where: {venueIsNil: true}) = %d, want 1", got.Nil.TotalCount)
		}
	})
}
