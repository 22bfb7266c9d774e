package main

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// A first page reads its totalCount in its own statement (ent/template/pagination.tmpl,
// selectTotalCount). Whatever the filter, the count is the one of every row the filter
// selects, as a query without pagination sees it (totalCount = its rows): through edges,
// OR, NOT, lists of values, an empty result, first and last; and a page after a cursor,
// which counts apart, gives the same count; so does a page through a join table.
func TestTotalCountWithFirstPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := testServer(t, db, unlimited)
		key := adminKey(t, db)
		one, two := regLaunch(t, db), regLaunch(t, db)
		statuses := []registrant.Status{registrant.StatusCONFIRMED, registrant.StatusCONFIRMED,
			registrant.StatusPENDING, registrant.StatusWAITLISTED, registrant.StatusCANCELLED}
		countries := []string{"UA", "FR", "KE"}
		for li, l := range []*ent.Launch{one, two} {
			creates := make([]*ent.RegistrantCreate, 23+li*7)
			for i := range creates {
				email := fmt.Sprintf("c%d-%d@example.org", l.ID, i)
				creates[i] = db.Client.Registrant.Create().SetLaunch(l).SetName("Person " + strconv.Itoa(i)).
					SetEmail(email).SetEmailKey(email).SetStatus(statuses[i%len(statuses)]).
					SetCountry(countries[i%len(countries)]).SetConsentAt(time.Date(2020, 10, 1, 12, 0, 0, 0, time.UTC))
			}
			db.Client.Registrant.CreateBulk(creates...).ExecX(ctx)
		}
		id := func(l *ent.Launch) string { return strconv.Itoa(l.ID) }

		// Through a join table (a speaker's sessions, read by the payload's edge method):
		// counted apart, the same count.
		var sessionIDs []string
		for i := range 3 {
			s := db.Client.Session.Create().SetLaunch(one).SetTitle("Session " + strconv.Itoa(i)).SetKind("PANEL").
				SetStartsAt(one.StartsAt).SetEndsAt(one.EndsAt).SaveX(ctx)
			sessionIDs = append(sessionIDs, strconv.Itoa(s.ID))
		}
		var speaker struct {
			CreateSpeaker struct {
				Sessions struct {
					TotalCount int
					Edges      []struct{ Cursor string }
				}
			}
		}
		dataAs(t, srv.URL, key, `mutation($ids: [ID!]) { createSpeaker(input: {name: "Speaker", sessionIDs: $ids}) {
			sessions(first: 1) { totalCount edges { cursor } } } }`, map[string]any{"ids": sessionIDs}, &speaker)
		if got := speaker.CreateSpeaker.Sessions; got.TotalCount != 3 || len(got.Edges) != 1 {
			t.Errorf("a speaker's sessions (first: 1): totalCount %d, %d edges; want 3, 1", got.TotalCount, len(got.Edges))
		}
		wheres := []string{
			`{}`,
			`{status: CONFIRMED}`,
			`{status: CONFIRMED, hasLaunchWith: {id: "` + id(one) + `"}}`,
			`{statusIn: [PENDING, WAITLISTED], hasLaunchWith: {id: "` + id(two) + `"}}`,
			`{or: [{country: "UA"}, {status: CANCELLED}], hasLaunchWith: {idIn: ["` + id(one) + `", "` + id(two) + `"]}}`,
			`{not: {status: CONFIRMED}, countryNEQ: "KE"}`,
			`{hasLaunchWith: {slug: "` + one.Slug + `"}, nameContains: "1"}`,
			`{status: REJECTED}`,
		}
		type conn struct {
			Registrants struct {
				TotalCount int
				Edges      []struct{ Cursor string }
			}
		}
		for _, where := range wheres {
			var all conn
			dataAs(t, srv.URL, key, `{ registrants(where: `+where+`) { totalCount edges { cursor } } }`, nil, &all)
			want := all.Registrants.TotalCount
			if want != len(all.Registrants.Edges) {
				t.Fatalf("%s: unpaginated totalCount %d, %d rows", where, want, len(all.Registrants.Edges))
			}
			for _, page := range []string{`first: 3`, `first: 100`, `last: 4`, `first: 0`} {
				var got conn
				dataAs(t, srv.URL, key, `{ registrants(`+page+`, where: `+where+`) { totalCount edges { cursor } } }`, nil, &got)
				if got.Registrants.TotalCount != want {
					t.Errorf("%s, %s: totalCount %d, want %d", where, page, got.Registrants.TotalCount, want)
				}
			}
			if want > 2 {
				var after conn
				dataAs(t, srv.URL, key, `query($c: Cursor) { registrants(first: 2, after: $c, where: `+where+`) { totalCount edges { cursor } } }`,
					map[string]any{"c": all.Registrants.Edges[0].Cursor}, &after)
				if after.Registrants.TotalCount != want {
					t.Errorf("%s, after a cursor: totalCount %d, want %d", where, after.Registrants.TotalCount, want)
				}
			}
		}
	})
}
