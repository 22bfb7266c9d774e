package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"ariga.io/atlas/sql/migrate"
	atlaspostgres "ariga.io/atlas/sql/postgres"
	atlas "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	entmigrate "launchgraph/ent/migrate"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// schemaFromSource loads the ent schema from ent/schema's Go source, not from the
// generated ent/migrate, so that a field added to ent/schema counts as drift even before
// `go generate` has run.
var schemaFromSource = sync.OnceValues(func() ([]*schema.Table, error) {
	g, err := entc.LoadGraph("../../ent/schema", &gen.Config{
		Features: []gen.Feature{gen.FeatureGlobalID, gen.FeatureVersionedMigration},
	})
	if err != nil {
		return nil, err
	}
	return g.Tables()
})

// drift returns the statements that would turn the live database of db into the schema
// of tables, dropped columns and indexes included; none means no drift. It runs ent's
// diff in inspect mode against the database goose built, with the generator's options;
// on PostgreSQL ent's schema is first normalised on a clean dev database, as the
// generator's replay mode does, so that e.g. index predicates compare in canonical form.
func drift(ctx context.Context, t *testing.T, db *store.DB, tables []*schema.Table) []string {
	t.Helper()
	dir := migrate.OpenMemDir(t.Name())
	defer dir.Close()
	opts := []schema.MigrateOption{
		schema.WithDir(dir),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithMigrationMode(schema.ModeInspect),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	}
	if db.Dialect == dialect.Postgres {
		opts = append(opts, schema.WithDiffHook(normalizeDesired(ctx, postgresDev(t))))
	}
	m, err := schema.NewMigrate(entsql.OpenDB(db.Dialect, db.SQL), opts...)
	if err != nil {
		t.Fatal(err)
	}
	err = m.NamedDiff(ctx, "drift", tables...)
	if errors.Is(err, migrate.ErrNoPlan) {
		return nil
	}
	if err != nil {
		t.Fatalf("diff: %v", err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for _, f := range files {
		up, _, _ := strings.Cut(string(f.Bytes()), "-- +goose Down")
		for _, line := range strings.Split(up, "\n") {
			if line != "" && !strings.HasPrefix(line, "--") {
				stmts = append(stmts, line)
			}
		}
	}
	if len(stmts) == 0 {
		t.Fatal("diff wrote a migration without statements")
	}
	return stmts
}

// postgresDev returns an atlas driver on a new, empty PostgreSQL database.
func postgresDev(t *testing.T) migrate.Driver {
	t.Helper()
	dev := storetest.Postgres(t)
	if _, err := dev.SQL.ExecContext(testContext(t), "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	drv, err := atlaspostgres.Open(dev.SQL)
	if err != nil {
		t.Fatal(err)
	}
	return drv
}

// normalizeDesired has the dev database turn the desired schema into the form the
// database reports it in before it is compared with the current one.
func normalizeDesired(ctx context.Context, dev migrate.Driver) schema.DiffHook {
	return func(next schema.Differ) schema.Differ {
		return schema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
			n, ok := dev.(atlas.Normalizer)
			if !ok {
				return nil, fmt.Errorf("%T cannot normalise", dev)
			}
			normal, err := n.NormalizeSchema(ctx, desired)
			if err != nil {
				return nil, fmt.Errorf("normalise ent schema: %w", err)
			}
			return next.Diff(current, normal)
		})
	}
}

func fromGenerated(t *testing.T) []*schema.Table { return entmigrate.Tables }

func fromSource(t *testing.T) []*schema.Table {
	t.Helper()
	tables, err := schemaFromSource()
	if err != nil {
		t.Fatalf("load ent/schema: %v", err)
	}
	return tables
}

// TestMigrationsMatchEntSchema fails when ent/schema (its source, and the generated
// ent/migrate) and the embedded migrations disagree: run the generator (see package doc).
func TestMigrationsMatchEntSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := testContext(t)
		for name, tables := range map[string]func(*testing.T) []*schema.Table{
			"generated ent/migrate": fromGenerated,
			"ent/schema source":     fromSource,
		} {
			if stmts := drift(ctx, t, db, tables(t)); len(stmts) > 0 {
				t.Errorf("the migrations differ from %s; run `go run ./internal/store/migrations/gen -name <change>`. Missing:\n%s",
					name, strings.Join(stmts, "\n"))
			}
		}
	})
}

// TestDriftCheckDetectsChanges makes sure the drift check above can fail: a column or an
// index the migrations lack (as when a field is added to ent/schema without a migration)
// and a column they have that ent does not know must each show up.
func TestDriftCheckDetectsChanges(t *testing.T) {
	for name, open := range map[string]func(testing.TB, ...func(*store.Config)) *store.DB{
		"sqlite":   storetest.SQLite,
		"postgres": storetest.Postgres,
	} {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct{ stmt, want string }{
				{`ALTER TABLE speakers DROP COLUMN bio`, "bio"},
				{`ALTER TABLE speakers ADD COLUMN stray_column integer NULL`, "speakers"},
				{`DROP INDEX speaker_updated_at`, "speaker_updated_at"},
			} {
				db := open(t)
				ctx := testContext(t)
				if _, err := db.SQL.ExecContext(ctx, tc.stmt); err != nil {
					t.Fatalf("%s: %v", tc.stmt, err)
				}
				stmts := drift(ctx, t, db, entmigrate.Tables)
				if got := strings.Join(stmts, "\n"); !strings.Contains(got, tc.want) {
					t.Errorf("after %s, drift = %q, want it to mention %s", tc.stmt, got, tc.want)
				}
			}
		})
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := testContext(t)
		// storetest migrated once already.
		for range 2 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
		var versions int
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join("migrations", migrationsDir(db.Dialect), "*.sql"))
		if err != nil {
			t.Fatal(err)
		}
		if versions != len(files) || versions == 0 {
			t.Errorf("goose_db_version has %d applied versions, want %d (one per file)", versions, len(files))
		}
	})
}

// TestConcurrentMigrate starts several migrators on one empty PostgreSQL database at once,
// as replicas starting together would: the advisory lock must serialise them.
func TestConcurrentMigrate(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := testContext(t)
	if _, err := db.SQL.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = storetest.DefaultPostgresURL
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		other := openT(t, store.Config{URL: u.String(), MaxOpenConns: 2})
		wg.Go(func() { errs[i] = other.Migrate(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if stmts := drift(ctx, t, db, entmigrate.Tables); len(stmts) > 0 {
		t.Errorf("drift after concurrent migrations:\n%s", strings.Join(stmts, "\n"))
	}
}

func migrationsDir(d string) string {
	if d == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}
