// Package scenario holds the read scenarios of the load figures (README, Performance) and
// the dataset they run on, so that `go run ./bench` and the statement-count tests
// (server/readpath_test.go) send exactly the same operations over the same shape of data.
package scenario

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/region"
	"launchgraph/ent/registrant"
	"launchgraph/internal/registration"
)

// The read scenarios, by name.
const (
	// A is one launch by id with its region and format (anonymous).
	A = `query A($id: ID!) { node(id: $id) { ... on Launch { id title startsAt region { code } format { kind } } } }`
	// B is regions → launches (with totalCount) → first 10 registrants each (admin key).
	B = `query B { regions(first: 10) { edges { node { code launches(first: 60) { totalCount edges { node { title
		registrants(first: 10) { edges { node { name status } } } } } } } } } }`
	// C is a page of 50 registrants of one launch by status, newest first, with totalCount
	// (admin key).
	C = `query C($id: ID!) { registrants(first: 50, where: {status: CONFIRMED, hasLaunchWith: {id: $id}},
		orderBy: [{field: CREATED_AT, direction: DESC}]) { totalCount edges { node { id name status createdAt } } } }`
)

// Queries are the scenarios by name ("a", "b", "c").
var Queries = map[string]string{"a": A, "b": B, "c": C}

// Regions are the six ITU regions the dataset spreads its launches over, with the zones of
// their regional offices.
var Regions = []struct{ Code, Name, Zone string }{
	{"AFR", "Africa", "Africa/Addis_Ababa"},
	{"AMS", "Americas", "America/Sao_Paulo"},
	{"ARB", "Arab States", "Africa/Cairo"},
	{"ASP", "Asia and the Pacific", "Asia/Bangkok"},
	{"CIS", "Commonwealth of Independent States", "Europe/Moscow"},
	{"EUR", "Europe", "Europe/Zurich"},
}

// Registrants of a launch cycle through these, so that every launch holds every status,
// country and stakeholder and a filter on one of them selects a real subset. The status
// cycle has length 10 (half CONFIRMED), the country cycle 7 and the stakeholder cycle 8:
// coprime lengths, so every combination occurs.
var (
	statuses = []registrant.Status{
		registrant.StatusCONFIRMED, registrant.StatusCONFIRMED, registrant.StatusCONFIRMED,
		registrant.StatusCONFIRMED, registrant.StatusCONFIRMED, registrant.StatusPENDING,
		registrant.StatusPENDING, registrant.StatusWAITLISTED, registrant.StatusCANCELLED,
		registrant.StatusREJECTED,
	}
	countries    = []string{"UA", "KE", "BR", "EG", "TH", "KZ", "CH"}
	stakeholders = []registrant.Stakeholder{
		registrant.StakeholderGOVERNMENT, registrant.StakeholderINTERNATIONAL_ORGANISATION,
		registrant.StakeholderNGO, registrant.StakeholderACADEMIA, registrant.StakeholderPRIVATE_SECTOR,
		registrant.StakeholderYOUTH, registrant.StakeholderMEDIA, registrant.StakeholderOTHER,
	}
)

// Dataset is what Seed created.
type Dataset struct {
	// LaunchIDs are the launches, in creation order (launch i is in Regions[i%6]).
	LaunchIDs []int
	// Registrants is how many registrants were created.
	Registrants int
}

// references returns the six regions and the one-day-forum format, created when missing.
func references(ctx context.Context, client *ent.Client) ([]*ent.Region, *ent.Format, error) {
	regions := make([]*ent.Region, len(Regions))
	for i, r := range Regions {
		reg, err := client.Region.Query().Where(region.Code(r.Code)).Only(ctx)
		if ent.IsNotFound(err) {
			reg, err = client.Region.Create().SetCode(r.Code).SetName(r.Name).SetDefaultTimezone(r.Zone).Save(ctx)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("scenario: seed: region %s: %w", r.Code, err)
		}
		regions[i] = reg
	}
	fmtn, err := client.Format.Query().Where(format.KindEQ(format.KindONE_DAY_FORUM)).First(ctx)
	if ent.IsNotFound(err) {
		fmtn, err = client.Format.Create().SetKind(format.KindONE_DAY_FORUM).SetName("One-day forum").Save(ctx)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("scenario: seed: format: %w", err)
	}
	return regions, fmtn, nil
}

// Seed creates launches PUBLISHED launches spread over the six regions (created when
// missing) and registrants registrants spread over the launches, each launch's varying in
// status, country and stakeholder; rows are written in bulk, as trusted code (a context
// without a viewer). The seat counters are repaired afterwards.
func Seed(ctx context.Context, client *ent.Client, launches, registrants int) (Dataset, error) {
	if launches <= 0 {
		return Dataset{}, fmt.Errorf("scenario: seed: launches must be positive, got %d", launches)
	}
	regions, fmtn, err := references(ctx, client)
	if err != nil {
		return Dataset{}, err
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	start := time.Now().UTC().Add(60 * 24 * time.Hour).Truncate(time.Hour)
	creates := make([]*ent.LaunchCreate, launches)
	for i := range creates {
		r := regions[i%len(regions)]
		at := start.Add(time.Duration(i) * 24 * time.Hour)
		creates[i] = client.Launch.Create().
			SetSlug(fmt.Sprintf("bench-%s-%d", run, i)).SetTitle(fmt.Sprintf("Benchmark launch %d (%s)", i, r.Code)).
			SetRegion(r).SetFormat(fmtn).SetStatus("PUBLISHED").SetTimezone(r.DefaultTimezone).
			SetStartsAt(at).SetEndsAt(at.Add(6 * time.Hour)).SetWaitlistEnabled(true)
	}
	var ids []int
	for chunk := range slices.Chunk(creates, 500) {
		ls, err := client.Launch.CreateBulk(chunk...).Save(ctx)
		if err != nil {
			return Dataset{}, fmt.Errorf("scenario: seed: launches: %w", err)
		}
		for _, l := range ls {
			ids = append(ids, l.ID)
		}
	}
	// Registrant n is the (n/launches)-th of launch n%launches: the cycles run inside
	// each launch, and createdAt grows with n so that "newest first" is a real order.
	waitlist := make([]int, launches)
	created := start.Add(-30 * 24 * time.Hour)
	for done := 0; done < registrants; {
		batch := make([]*ent.RegistrantCreate, 0, 1000)
		for ; len(batch) < cap(batch) && done < registrants; done++ {
			l, k := done%launches, done/launches
			email := fmt.Sprintf("p%d-%s@example.org", done, run)
			st := statuses[k%len(statuses)]
			c := client.Registrant.Create().
				SetLaunchID(ids[l]).SetName(fmt.Sprintf("Participant %d", done)).
				SetEmail(email).SetEmailKey(email).SetCountry(countries[k%len(countries)]).
				SetStakeholder(stakeholders[k%len(stakeholders)]).SetStatus(st).
				SetConsentAt(created).SetCreatedAt(created.Add(time.Duration(done) * time.Second))
			if st == registrant.StatusWAITLISTED {
				waitlist[l]++
				c.SetWaitlistPosition(waitlist[l])
			}
			batch = append(batch, c)
		}
		if err := client.Registrant.CreateBulk(batch...).Exec(ctx); err != nil {
			return Dataset{}, fmt.Errorf("scenario: seed: registrants: %w", err)
		}
	}
	// Written around the registration service: its seat counters are counted afresh.
	if _, err := registration.NewService(client).RepairSeats(ctx); err != nil {
		return Dataset{}, fmt.Errorf("scenario: seed: %w", err)
	}
	return Dataset{LaunchIDs: ids, Registrants: registrants}, nil
}
