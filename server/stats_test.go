package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

const statsFields = `registrationStats { total confirmed pending waitlisted cancelled rejected checkedIn active
  byCountry { key count } byStakeholder { key count } byAttendance { key count } }`

type countByKey struct {
	Key   string
	Count int
}

type statsData struct {
	Total, Confirmed, Pending, Waitlisted, Cancelled, Rejected, CheckedIn, Active int
	ByCountry, ByStakeholder, ByAttendance                                        []countByKey
}

// statsFixture makes region EUR with launches one and two, region AFR with launch three
// (no registrants), and registrants of every status.
func statsFixture(tb testing.TB, client *ent.Client) (eur, afr *ent.Region, one, two, three *ent.Launch) {
	tb.Helper()
	ctx := context.Background()
	eur = client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Kyiv").SaveX(ctx)
	afr = client.Region.Create().SetCode("AFR").SetName("Africa").SetDefaultTimezone("Africa/Addis_Ababa").SaveX(ctx)
	format := client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("Forum").SaveX(ctx)
	one = newLaunch(tb, client, eur, format, "one")
	two = newLaunch(tb, client, eur, format, "two", func(c *ent.LaunchCreate) { c.SetStatus("DRAFT") })
	three = newLaunch(tb, client, afr, format, "three")
	addRegistrants(tb, client, one,
		person{registrant.StatusCONFIRMED, "UA", registrant.StakeholderGOVERNMENT, registrant.AttendanceIN_PERSON, true},
		person{registrant.StatusCONFIRMED, "UA", registrant.StakeholderNGO, registrant.AttendanceONLINE, false},
		person{registrant.StatusCONFIRMED, "FR", registrant.StakeholderNGO, registrant.AttendanceONLINE, false},
		person{registrant.StatusPENDING, "", registrant.StakeholderYOUTH, registrant.AttendanceONLINE, false},
		person{registrant.StatusWAITLISTED, "FR", registrant.StakeholderACADEMIA, registrant.AttendanceIN_PERSON, false},
		person{registrant.StatusCANCELLED, "UA", registrant.StakeholderGOVERNMENT, registrant.AttendanceONLINE, false},
		person{registrant.StatusREJECTED, "DE", registrant.StakeholderMEDIA, registrant.AttendanceONLINE, false},
	)
	addRegistrants(tb, client, two,
		person{registrant.StatusCONFIRMED, "DE", registrant.StakeholderPRIVATE_SECTOR, registrant.AttendanceIN_PERSON, true},
		person{registrant.StatusCONFIRMED, "DE", registrant.StakeholderPRIVATE_SECTOR, registrant.AttendanceIN_PERSON, false},
	)
	return eur, afr, one, two, three
}

func TestRegistrationStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := newFeedKeys(t, db)
		eur, afr, one, two, three := statsFixture(t, db.Client)
		srv := testServer(t, db)
		q := `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Launch { ` + statsFields + ` } ... on Region { ` + statsFields + ` } } }`
		vars := map[string]any{"ids": []string{fmt.Sprint(one.ID), fmt.Sprint(two.ID), fmt.Sprint(three.ID), fmt.Sprint(eur.ID), fmt.Sprint(afr.ID)}}

		none := statsData{ByCountry: []countByKey{}, ByStakeholder: []countByKey{}, ByAttendance: []countByKey{}}
		want := []statsData{
			{ // one
				Total: 7, Confirmed: 3, Pending: 1, Waitlisted: 1, Cancelled: 1, Rejected: 1, CheckedIn: 1, Active: 5,
				ByCountry:     []countByKey{{"FR", 2}, {"UA", 2}, {"UNKNOWN", 1}},
				ByStakeholder: []countByKey{{"NGO", 2}, {"ACADEMIA", 1}, {"GOVERNMENT", 1}, {"YOUTH", 1}},
				ByAttendance:  []countByKey{{"ONLINE", 3}, {"IN_PERSON", 2}},
			},
			{ // two, a draft
				Total: 2, Confirmed: 2, CheckedIn: 1, Active: 2,
				ByCountry:     []countByKey{{"DE", 2}},
				ByStakeholder: []countByKey{{"PRIVATE_SECTOR", 2}},
				ByAttendance:  []countByKey{{"IN_PERSON", 2}},
			},
			none, // three
			{ // EUR: one and two
				Total: 9, Confirmed: 5, Pending: 1, Waitlisted: 1, Cancelled: 1, Rejected: 1, CheckedIn: 2, Active: 7,
				ByCountry:     []countByKey{{"DE", 2}, {"FR", 2}, {"UA", 2}, {"UNKNOWN", 1}},
				ByStakeholder: []countByKey{{"NGO", 2}, {"PRIVATE_SECTOR", 2}, {"ACADEMIA", 1}, {"GOVERNMENT", 1}, {"YOUTH", 1}},
				ByAttendance:  []countByKey{{"IN_PERSON", 4}, {"ONLINE", 3}},
			},
			none, // AFR
		}
		for _, key := range []string{keys.partner, keys.admin} {
			var got struct {
				Nodes []struct {
					ID                string
					RegistrationStats statsData
				}
			}
			dataAs(t, srv.URL, key, q, vars, &got)
			if len(got.Nodes) != len(want) {
				t.Fatalf("%d nodes", len(got.Nodes))
			}
			for i, w := range want {
				g, _ := json.Marshal(got.Nodes[i].RegistrationStats)
				wj, _ := json.Marshal(w)
				if string(g) != string(wj) {
					t.Errorf("node %d:\n got %s\nwant %s", i, g, wj)
				}
			}
		}

		// The public gets null and FORBIDDEN, per launch.
		resp := gqlAs(t, srv.URL, "", `query($id: ID!) { node(id: $id) { ... on Launch { slug registrationStats { total } } } }`,
			map[string]any{"id": fmt.Sprint(one.ID)})
		if string(resp.Data) != `{"node":{"slug":"one","registrationStats":null}}` || resp.code() != "FORBIDDEN" {
			t.Errorf("public: data %s errors %+v, want null stats and FORBIDDEN", resp.Data, resp.Errors)
		}
	})
}

// recordingDriver records the SQL statements ent sends.
type recordingDriver struct {
	dialect.Driver
	mu    sync.Mutex
	stmts []string
}

func (d *recordingDriver) record(query string) {
	d.mu.Lock()
	d.stmts = append(d.stmts, query)
	d.mu.Unlock()
}

func (d *recordingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.record(query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d *recordingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.record(query)
	return d.Driver.Exec(ctx, query, args, v)
}

// statements returns the statements ent sent for a query as key.
func (d *recordingDriver) statements(tb testing.TB, url, key, query string) []string {
	tb.Helper()
	var v any
	d.mu.Lock()
	before := len(d.stmts)
	d.mu.Unlock()
	dataAs(tb, url, key, query, nil, &v)
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.stmts[before:])
}

func TestRegistrationStatsStatementCount(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			const (
				launchesBase = `{ launches(first: 100) { edges { node { id } } } }`
				launchesStat = `{ launches(first: 100) { edges { node { id ` + statsFields + ` } } } }`
				regionsBase  = `{ regions(first: 100) { edges { node { id } } } }`
				regionsStat  = `{ regions(first: 100) { edges { node { id ` + statsFields + ` } } } }`
			)
			for _, n := range []int{2, 20} {
				drv := new(recordingDriver)
				db := openDialect(t, name, func(c *store.Config) {
					c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
				})
				ctx := context.Background()
				keys := newFeedKeys(t, db)
				format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("Forum").SaveX(ctx)
				for i := range n {
					region := db.Client.Region.Create().SetCode(fmt.Sprintf("R%c%c", 'A'+i/26, 'A'+i%26)).SetName("Region").
						SetDefaultTimezone("UTC").SaveX(ctx)
					l := newLaunch(t, db.Client, region, format, fmt.Sprintf("launch-%d", i))
					addRegistrants(t, db.Client, l,
						person{registrant.StatusCONFIRMED, "UA", registrant.StakeholderNGO, registrant.AttendanceONLINE, true},
						person{registrant.StatusWAITLISTED, "FR", registrant.StakeholderYOUTH, registrant.AttendanceIN_PERSON, false},
					)
				}
				srv := testServer(t, db)
				drv.statements(t, srv.URL, keys.partner, launchesBase) // the key's first use is written once
				for _, q := range []struct{ name, base, stats string }{{"launches", launchesBase, launchesStat}, {"regions", regionsBase, regionsStat}} {
					base := drv.statements(t, srv.URL, keys.partner, q.base)
					with := drv.statements(t, srv.URL, keys.partner, q.stats)
					t.Logf("%d %s: registrationStats costs %d statements", n, q.name, len(with)-len(base))
					// One for the status counts (total, …, checkedIn, active), one per by… list.
					if len(with)-len(base) != 4 {
						t.Errorf("%d %s: stats cost %d statements, want 4:\n%s", n, q.name, len(with)-len(base), strings.Join(with, "\n"))
					}
				}
			}
		})
	}
}
