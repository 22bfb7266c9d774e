// Package authztest builds the data that authorization tests probe: the seeded COP 2020
// launches (all COMPLETED) plus rows that only partners or admins may see.
package authztest

import (
	"context"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/guidelineset"
	"launchgraph/ent/launch"
	"launchgraph/ent/objective"
	"launchgraph/ent/region"
	"launchgraph/ent/registrant"
	"launchgraph/ent/schema/schematype"
	"launchgraph/ent/session"
	"launchgraph/internal/seed"
)

// Names of the hidden rows, and names that exist nowhere (to compare probes against).
const (
	SecretSlug      = "secret-draft"
	SecretSession   = "Secret session"
	SecretSpeaker   = "Secret Speaker"
	Unassigned      = "Unassigned Speaker"
	SecretObjective = "Secret objective"
	SharedSpeaker   = "Shared Speaker"
	AbsentSlug      = "no-such-launch"
	AbsentSession   = "No such session"
	RegistrantEmail = "rita.registrant@example.org"
	DraftEmail      = "drafty.registrant@example.org"
	AuditOperation  = "updateRegion"
)

// Fixture holds the rows New made.
type Fixture struct {
	// Draft is a DRAFT launch (SecretSlug) in ASP, the only region without a seeded launch,
	// with HIGH_LEVEL_PANEL, the only format no seeded launch uses; it has the first
	// series-wide objective, SecretObjective, and the CHILDREN guideline set.
	Draft *ent.Launch
	// DraftSession is Draft's only session (SecretSession), with SecretSpeaker and
	// SharedSpeaker, and the CHILDREN guideline set.
	DraftSession *ent.Session
	// Speaker is SecretSpeaker, in DraftSession only; Unassigned is in no session; Shared is
	// SharedSpeaker, in DraftSession and in the first session of Published.
	Speaker, Unassigned, Shared *ent.Speaker
	// Objective is SecretObjective: regional, on Draft only. SeriesWide is the first
	// series-wide objective, which Draft has too.
	Objective, SeriesWide *ent.Objective
	// Published is the seeded cis-2020.
	Published *ent.Launch
	// Registrant is registered for Published, DraftRegistrant for Draft.
	Registrant, DraftRegistrant *ent.Registrant
	// Audit is one audit entry (AuditOperation); Idempotency one idempotency key.
	Audit       *ent.AuditEntry
	Idempotency *ent.IdempotencyKey
}

// Emails are the registrants' addresses: no public or partner response may contain them.
func (Fixture) Emails() []string { return []string{RegistrantEmail, DraftEmail} }

// New seeds client and adds the hidden rows, as trusted code.
func New(tb testing.TB, client *ent.Client) Fixture {
	tb.Helper()
	ctx := context.Background()
	if _, err := seed.Load(ctx, client); err != nil {
		tb.Fatalf("authztest: seed: %v", err)
	}
	var f Fixture
	asp := client.Region.Query().Where(region.Code("ASP")).OnlyX(ctx)
	panel := client.Format.Query().Where(format.KindEQ(format.KindHIGH_LEVEL_PANEL)).OnlyX(ctx)
	children := client.GuidelineSet.Query().Where(guidelineset.AudienceEQ(guidelineset.AudienceCHILDREN)).OnlyX(ctx)
	f.SeriesWide = client.Objective.Query().Where(objective.SeriesWide(true)).Order(ent.Asc(objective.FieldPosition)).FirstX(ctx)
	f.Objective = client.Objective.Create().SetText(SecretObjective).SetPosition(90).SaveX(ctx)

	start := time.Date(2031, 3, 4, 2, 0, 0, 0, time.UTC)
	f.Draft = client.Launch.Create().
		SetSlug(SecretSlug).SetTitle("Asia & Pacific launch (unannounced)").
		SetRegion(asp).SetFormat(panel).SetStatus(launch.StatusDRAFT).
		SetStartsAt(start).SetEndsAt(start.Add(4*time.Hour)).SetTimezone("Asia/Bangkok").
		AddObjectives(f.SeriesWide, f.Objective).AddGuidelineSets(children).
		SaveX(ctx)
	f.Speaker = client.Speaker.Create().SetName(SecretSpeaker).SetAffiliation("Unannounced Ministry").SaveX(ctx)
	f.Unassigned = client.Speaker.Create().SetName(Unassigned).SaveX(ctx)
	f.Shared = client.Speaker.Create().SetName(SharedSpeaker).SaveX(ctx)
	f.DraftSession = client.Session.Create().
		SetLaunch(f.Draft).SetTitle(SecretSession).SetKind(session.KindPANEL).
		SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).
		AddSpeakers(f.Speaker, f.Shared).AddGuidelineSets(children).
		SaveX(ctx)

	f.Published = client.Launch.Query().Where(launch.Slug("cis-2020")).OnlyX(ctx)
	client.Session.Query().Where(session.LaunchID(f.Published.ID)).Order(ent.Asc(session.FieldPosition)).
		FirstX(ctx).Update().AddSpeakers(f.Shared).ExecX(ctx)

	now := time.Now()
	f.Registrant = client.Registrant.Create().
		SetLaunchID(f.Published.ID).SetName("Rita Registrant").SetEmail(RegistrantEmail).
		SetEmailKey(RegistrantEmail).SetOrganisation("Ministry of Example").SetCountry("FR").
		SetStatus(registrant.StatusCONFIRMED).SetConsentAt(now).
		SaveX(ctx)
	f.DraftRegistrant = client.Registrant.Create().
		SetLaunchID(f.Draft.ID).SetName("Drafty Registrant").SetEmail(DraftEmail).
		SetEmailKey(DraftEmail).SetStatus(registrant.StatusPENDING).SetConsentAt(now).
		SaveX(ctx)
	f.Audit = client.AuditEntry.Create().
		SetActorName("fixture").SetOperation(AuditOperation).SetEntityType("Region").
		SetEntityID(asp.ID).SetChanges([]schematype.FieldChange{}).SaveX(ctx)
	f.Idempotency = client.IdempotencyKey.Create().
		SetKeyHash("fixture-key-hash").SetRequestHash("fixture-request-hash").
		SetRegistrantID(f.Registrant.ID).SetSealedToken([]byte("sealed")).
		SaveX(ctx)
	return f
}
