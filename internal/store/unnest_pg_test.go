package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/store"
)

// odd are texts that need quoting in an array literal, or look like one of its words.
var odd = []string{`O'Brien "Bob"`, `back\slash \\ \"`, `{a,b}`, "NULL", "null", " padded ", "ß 漢字 ✓", "tab\there\nnewline", `,`}

// bulkRegistrant is the i-th record of the bulk insert tests: optional fields set or not,
// times with nanoseconds (PostgreSQL rounds them to microseconds) in several zones.
func bulkRegistrant(c *ent.Client, launchID, i int, tag string) *ent.RegistrantCreate {
	zone := time.FixedZone("X", (i%5-2)*3600+1800)
	at := time.Date(2026, 12, 2, 13, 42, 4, 829560659+i*1_000_013, zone)
	create := c.Registrant.Create().
		SetLaunchID(launchID).
		SetName(odd[i%len(odd)]).
		SetEmail(fmt.Sprintf("p%d-%s@example.org", i, tag)).
		SetEmailKey(fmt.Sprintf("p%d-%s@example.org", i, tag)).
		SetStatus([]registrant.Status{registrant.StatusCONFIRMED, registrant.StatusWAITLISTED, registrant.StatusPENDING}[i%3]).
		SetStakeholder(registrant.StakeholderNGO).
		SetConsentAt(at).
		SetCreatedAt(at.Add(time.Duration(i) * time.Second)).
		SetUpdatedAt(at.Truncate(time.Microsecond))
	if i%2 == 0 {
		create.SetOrganisation(odd[(i+3)%len(odd)]).SetWaitlistPosition(i + 1).SetCheckedInAt(at.Add(999_999_999))
	}
	if i%3 == 0 {
		create.SetLanguage("fr").SetOrganisation("") // "" is stored as NULL (OptionalTextMixin)
	}
	return create
}

// registrantFields is what the bulk and the single inserts must store alike.
func registrantFields(r *ent.Registrant) string {
	return fmt.Sprintf("%q %q %v %v %v %v %v %v %v %v %q", r.Name, r.Status, r.Stakeholder, r.Attendance,
		ptrString(r.Organisation), ptrString(r.Language), ptrInt(r.WaitlistPosition),
		r.ConsentAt.UTC().Format(time.RFC3339Nano), r.CreatedAt.UTC().Format(time.RFC3339Nano),
		r.UpdatedAt.UTC().Format(time.RFC3339Nano), timePtr(r.CheckedInAt))
}

func ptrString(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *p)
}

func ptrInt(p *int) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func timePtr(p *time.Time) string {
	if p == nil {
		return "<nil>"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// TestBulkInsertAsArrays: ent's bulk inserts of 2, 7 and 30 records (up to 390 arguments)
// run as one prepared text per table and set of columns on PostgreSQL, return their ids in the records' order,
// and store exactly what inserting each record alone stores: NULLs, odd texts, enums,
// times (rounded alike), bytes and JSON.
func TestBulkInsertAsArrays(t *testing.T) {
	db, w := pgWire(t, func(cfg *store.Config) { cfg.MaxOpenConns = 1 })
	ctx := allow(t)
	_, _, l := fixtures(ctx, t, db.Client, time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
	for _, n := range []int{2, 7, 30} {
		var bulk []*ent.RegistrantCreate
		for i := range n {
			bulk = append(bulk, bulkRegistrant(db.Client, l.ID, i, fmt.Sprintf("bulk%d", n)))
		}
		made, err := db.Client.Registrant.CreateBulk(bulk...).Save(ctx)
		if err != nil {
			t.Fatalf("bulk insert of %d: %v", n, err)
		}
		for i, m := range made {
			got, err := db.Client.Registrant.Get(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			alone, err := bulkRegistrant(db.Client, l.ID, i, fmt.Sprintf("alone%d", n)).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if alone, err = db.Client.Registrant.Get(ctx, alone.ID); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("p%d-bulk%d@example.org", i, n); got.Email != want {
				t.Errorf("bulk of %d: id %d is %s, want %s (ids out of order)", n, m.ID, got.Email, want)
			}
			if g, a := registrantFields(got), registrantFields(alone); g != a {
				t.Errorf("bulk of %d, record %d stored\n%s\nalone\n%s", n, i, g, a)
			}
		}
		bulkKeysAndAudit(ctx, t, db.Client, made)
	}
	var texts []string
	for q, count := range w.Total().Prepares {
		if strings.HasPrefix(q, `INSERT INTO "registrants"`) && strings.Contains(q, "unnest(") {
			texts = append(texts, fmt.Sprintf("%d× %s", count, q))
		}
	}
	// The bulk of 2 sets no organisation, those of 7 and 30 do: two column sets, two texts.
	if len(texts) != 2 || !strings.HasPrefix(texts[0], "1× ") || !strings.HasPrefix(texts[1], "1× ") {
		t.Errorf("bulk inserts of registrants prepared as:\n%s\nwant two texts (one per column set), once each", strings.Join(texts, "\n"))
	}
}

// bulkKeysAndAudit inserts idempotency keys (bytea) and audit entries (jsonb) for rs, in
// bulk and alone, and compares what is stored.
func bulkKeysAndAudit(ctx context.Context, t *testing.T, c *ent.Client, rs []*ent.Registrant) {
	t.Helper()
	sealed := func(i int) []byte {
		b := make([]byte, i*9%256)
		for j := range b {
			b[j] = byte(255 - j)
		}
		return b
	}
	var keys []*ent.IdempotencyKeyCreate
	var audits []*ent.AuditEntryCreate
	for i, r := range rs {
		keys = append(keys, c.IdempotencyKey.Create().SetKeyHash(fmt.Sprintf("bulk-%d", r.ID)).
			SetRequestHash(odd[i%len(odd)]).SetRegistrantID(r.ID).SetSealedToken(sealed(i)))
		audits = append(audits, auditEntry(c, i, r.ID))
	}
	madeKeys, err := c.IdempotencyKey.CreateBulk(keys...).Save(ctx)
	if err != nil {
		t.Fatalf("bulk insert of keys: %v", err)
	}
	madeAudits, err := c.AuditEntry.CreateBulk(audits...).Save(ctx)
	if err != nil {
		t.Fatalf("bulk insert of audit entries: %v", err)
	}
	for i, r := range rs {
		got, err := c.IdempotencyKey.Get(ctx, madeKeys[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.KeyHash != fmt.Sprintf("bulk-%d", r.ID) || got.RequestHash != odd[i%len(odd)] ||
			!reflect.DeepEqual(got.SealedToken, sealed(i)) && len(got.SealedToken)+len(sealed(i)) > 0 {
			t.Errorf("key %d stored as %q %q %x", i, got.KeyHash, got.RequestHash, got.SealedToken)
		}
		bulk, err := c.AuditEntry.Get(ctx, madeAudits[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := auditEntry(c, i, r.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if alone, err = c.AuditEntry.Get(ctx, alone.ID); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(bulk.Changes, alone.Changes) || bulk.EntityID == nil || *bulk.EntityID != r.ID ||
			bulk.ActorKeyID != nil || bulk.Operation != alone.Operation {
			t.Errorf("audit entry %d stored as %+v, alone %+v", i, bulk, alone)
		}
	}
}

func auditEntry(c *ent.Client, i, id int) *ent.AuditEntryCreate {
	return c.AuditEntry.Create().SetActorName("bulk").SetOperation(odd[i%len(odd)]).SetEntityType("Registrant").
		SetEntityID(id).SetChanges([]schematype.FieldChange{{Field: odd[(i+1)%len(odd)], After: &odd[i%len(odd)]}})
}
