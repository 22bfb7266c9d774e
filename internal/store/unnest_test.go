package store

import (
	"database/sql/driver"
	"strings"
	"testing"
	"time"
)

func namedValues(vs ...any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(vs))
	for i, v := range vs {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// TestUnnestInsertRewrite: ent's bulk insert of two rows or more becomes one array per
// column, with NULLs, quotes, backslashes, times and bytes written as PostgreSQL reads
// them; anything else is left alone.
func TestUnnestInsertRewrite(t *testing.T) {
	at := time.Date(2026, 12, 2, 13, 42, 4, 829560659, time.UTC)
	q, args, ok := unnestInsert(
		`INSERT INTO "idempotency_keys" ("created_at", "key_hash", "registrant_id", "sealed_token") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) RETURNING "id"`,
		namedValues(at, `a"b\c`, int64(7), []byte{0, 0xff}, at.In(time.FixedZone("EAT", 3*3600)), "NULL", int64(8), []byte(nil)))
	if !ok {
		t.Fatal("not rewritten")
	}
	want := `INSERT INTO "idempotency_keys" ("created_at", "key_hash", "registrant_id", "sealed_token") SELECT "created_at", "key_hash", "registrant_id", "sealed_token" FROM unnest($1::timestamptz[], $2::text[], $3::bigint[], $4::bytea[]) WITH ORDINALITY AS "lg_rows"("created_at", "key_hash", "registrant_id", "sealed_token", "lg_ord") ORDER BY "lg_ord" RETURNING "id"`
	if q != want {
		t.Errorf("query\n%s\nwant\n%s", q, want)
	}
	wantArgs := []string{
		`{"2026-12-02 13:42:04.829560659Z","2026-12-02 16:42:04.829560659+03:00"}`,
		`{"a\"b\\c","NULL"}`,
		`{7,8}`,
		`{"\\x00ff",NULL}`,
	}
	if len(args) != len(wantArgs) {
		t.Fatalf("%d args, want %d", len(args), len(wantArgs))
	}
	for i, a := range args {
		if a.Value != wantArgs[i] || a.Ordinal != i+1 {
			t.Errorf("arg %d = %d %v, want %s", i, a.Ordinal, a.Value, wantArgs[i])
		}
	}

	for _, tc := range []struct {
		name  string
		query string
		args  []driver.NamedValue
	}{
		{"one row", `INSERT INTO "idempotency_keys" ("key_hash", "registrant_id") VALUES ($1, $2) RETURNING "id"`, namedValues("a", int64(1))},
		{"unknown table", `INSERT INTO "goose_db_version" ("version_id", "is_applied") VALUES ($1, $2), ($3, $4)`, namedValues(int64(1), true, int64(2), true)},
		{"unknown column", `INSERT INTO "idempotency_keys" ("key_hash", "nope") VALUES ($1, $2), ($3, $4)`, namedValues("a", int64(1), "b", int64(2))},
		{"unexpected value", `INSERT INTO "idempotency_keys" ("key_hash", "registrant_id") VALUES ($1, $2), ($3, $4)`, namedValues("a", "1", "b", int64(2))},
		{"placeholders out of order", `INSERT INTO "idempotency_keys" ("key_hash", "registrant_id") VALUES ($1, $2), ($4, $3)`, namedValues("a", int64(1), "b", int64(2))},
		{"argument in the suffix", `INSERT INTO "idempotency_keys" ("key_hash", "registrant_id") VALUES ($1, $2), ($3, $4) ON CONFLICT ("key_hash") DO UPDATE SET "registrant_id" = $5`, namedValues("a", int64(1), "b", int64(2), int64(3))},
		{"a DEFAULT", `INSERT INTO "idempotency_keys" ("key_hash", "registrant_id") VALUES ($1, DEFAULT), ($2, $3)`, namedValues("a", "b", int64(2))},
		{"not an insert", `SELECT "id" FROM "idempotency_keys" WHERE "key_hash" IN ($1, $2)`, namedValues("a", "b")},
	} {
		if q, _, ok := unnestInsert(tc.query, tc.args); ok {
			t.Errorf("%s: rewritten as %s", tc.name, q)
		}
	}

	// ent writes a value a record does not set as NULL.
	q, args, ok = unnestInsert(`INSERT INTO "idempotency_keys" ("key_hash", "registrant_id") VALUES ($1, NULL), (NULL, $2), ($3, $4)`,
		namedValues("a", int64(2), "c", int64(3)))
	if !ok || args[0].Value != `{"a",NULL,"c"}` || args[1].Value != `{NULL,2,3}` {
		t.Errorf("NULLs: %v %s %v", ok, q, args)
	}

	q, _, ok = unnestInsert(`INSERT INTO "seat_counts" ("category", "launch_id") VALUES ($1, $2), ($3, $4) ON CONFLICT ("launch_id", "category") DO NOTHING`,
		namedValues("", int64(1), "", int64(2)))
	if !ok || !strings.HasSuffix(q, `ORDER BY "lg_ord" ON CONFLICT ("launch_id", "category") DO NOTHING`) {
		t.Errorf("upsert: %v %s", ok, q)
	}
}
