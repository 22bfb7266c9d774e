package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"launchgraph/bench/scenario"
	"launchgraph/internal/store/storetest"
)

// An admin's `hasLaunchWith: {id: X}` (a launch's registrants, a launch's sessions) reads
// the rows by their own launch_id instead of a semi-join with launches per row, and gives
// the same rows as the semi-join (forced here by a second field in the launch filter),
// on both stores; a public viewer's filter keeps its visibility guard.
func TestHasLaunchWithIDIsTheForeignKey(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			var log storetest.SQLLog
			db := openDialect(t, dialectName, log.Wrap)
			ds, err := scenario.Seed(context.Background(), db.Client, 4, 80)
			if err != nil {
				t.Fatal(err)
			}
			srv, _ := testAppWithoutSender(t, db, unlimited, keysKept)
			key := adminKey(t, db)
			id := strconv.Itoa(ds.LaunchIDs[1])
			type page struct {
				Registrants struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
			}
			read := func(filter string) (ids []string, total int, sql []string) {
				t.Helper()
				var p page
				log.Take()
				dataAs(t, srv.URL, key, `query($id: ID!) { registrants(first: 100, where: {status: CONFIRMED, hasLaunchWith: {`+filter+`}}) {
					totalCount edges { node { id } } } }`, map[string]any{"id": id}, &p)
				for _, e := range p.Registrants.Edges {
					ids = append(ids, e.Node.ID)
				}
				return ids, p.Registrants.TotalCount, log.Take()
			}
			direct, n, sql := read(`id: $id`)
			joined, m, _ := read(`id: $id, statusNEQ: CANCELLED`)
			if len(direct) == 0 || n != len(direct) || !slices.Equal(direct, joined) || n != m {
				t.Fatalf("by launch_id: %d rows (total %d), by semi-join: %d rows (total %d)", len(direct), n, len(joined), m)
			}
			for _, s := range sql {
				if strings.Contains(s, `"registrants"`) && strings.Contains(s, "EXISTS") {
					t.Errorf("semi-join left in %s", s)
				}
			}

			var sessions struct {
				Sessions struct{ TotalCount int }
			}
			q := `query($id: ID!) { sessions(where: {hasLaunchWith: {id: $id}}) { totalCount } }`
			dataAs(t, srv.URL, key, q, map[string]any{"id": id}, &sessions)
			admin := sessions.Sessions.TotalCount
			mustData(t, srv.URL, q, map[string]any{"id": id}, &sessions)
			if sessions.Sessions.TotalCount != admin {
				t.Errorf("sessions of a published launch: admin %d, public %d", admin, sessions.Sessions.TotalCount)
			}
		})
	}
}
