package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/auditentry"
	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/audit"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func admin(ctx context.Context) context.Context {
	ctx = auth.WithViewer(ctx, auth.Viewer{Role: auth.Admin, KeyID: 77, KeyName: "ops"})
	return audit.WithOperation(ctx, "testOperation")
}

// entries returns all audit entries in id order.
func entries(t *testing.T, client *ent.Client) []*ent.AuditEntry {
	t.Helper()
	es, err := client.AuditEntry.Query().Order(ent.Asc(auditentry.FieldID)).All(admin(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func change(es []schematype.FieldChange, field string) (schematype.FieldChange, bool) {
	for _, c := range es {
		if c.Field == field {
			return c, true
		}
	}
	return schematype.FieldChange{}, false
}

func TestHookRecordsAdminMutations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Trusted internal code (no viewer) is not audited.
		region := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
		if n := len(entries(t, db.Client)); n != 0 {
			t.Fatalf("internal write audited: %d entries", n)
		}

		// An admin update records before and after of what changed, nothing else.
		db.Client.Region.UpdateOne(region).SetName("Europe region").SetDefaultTimezone("Europe/Zurich").ExecX(admin(ctx))
		es := entries(t, db.Client)
		if len(es) != 1 {
			t.Fatalf("%d entries, want 1", len(es))
		}
		e := es[0]
		if e.Operation != "testOperation" || e.EntityType != "Region" || e.EntityID == nil || *e.EntityID != region.ID ||
			e.ActorName != "ops" || e.ActorKeyID == nil || *e.ActorKeyID != 77 {
			t.Fatalf("entry = %+v", e)
		}
		got, ok := change(e.Changes, "name")
		if !ok || *got.Before != "Europe" || *got.After != "Europe region" || len(e.Changes) != 1 {
			t.Fatalf("changes = %+v, want only name Europe → Europe region", e.Changes)
		}

		// Personal data never reaches the log.
		format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("Forum").SaveX(ctx)
		l := db.Client.Launch.Create().SetSlug("x").SetTitle("X").SetRegion(region).SetFormat(format).
			SetStartsAt(time.Now()).SetEndsAt(time.Now().Add(time.Hour)).SetTimezone("UTC").SaveX(ctx)
		r := db.Client.Registrant.Create().SetLaunch(l).SetName("Ada Lovelace").SetEmail("ada@example.org").
			SetEmailKey("ada@example.org").SetCountry("GB").SetStatus("CONFIRMED").SetConsentAt(time.Now()).SaveX(admin(ctx))
		db.Client.Registrant.UpdateOne(r).SetEmail("ada@example.com").SetStatus("CANCELLED").ExecX(admin(ctx))
		es = entries(t, db.Client)
		if len(es) != 3 {
			t.Fatalf("%d entries, want 3", len(es))
		}
		for _, e := range es[1:] {
			for _, c := range e.Changes {
				for _, v := range []*string{c.Before, c.After} {
					if v != nil && (contains(*v, "ada@") || contains(*v, "Lovelace") || *v == "GB") {
						t.Fatalf("personal data in audit entry %s: %+v", c.Field, c)
					}
				}
			}
		}
		status, _ := change(es[2].Changes, "status")
		email, _ := change(es[2].Changes, "email")
		if *status.Before != "CONFIRMED" || *status.After != "CANCELLED" || *email.Before != audit.Redacted || *email.After != audit.Redacted {
			t.Fatalf("registrant update changes = %+v", es[2].Changes)
		}
	})
}

func TestRolledBackMutationLeavesNoEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := admin(context.Background())
		tx, err := db.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx.Client().Region.Create().SetCode("AFR").SetName("Africa").SetDefaultTimezone("Africa/Addis_Ababa").SaveX(ctx)
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := len(entries(t, db.Client)); n != 0 {
			t.Fatalf("%d audit entries after rollback, want 0", n)
		}
		if n := db.Client.Region.Query().CountX(ctx); n != 0 {
			t.Fatalf("%d regions after rollback, want 0", n)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
