// Command gen writes new goose migration files for PostgreSQL and SQLite from the
// difference between the ent schema (launchgraph/ent/migrate) and the existing migrations.
//
// Run it from the module root after changing ent/schema and running go generate:
//
//	go run ./internal/store/migrations/gen -name add_something
//
// For PostgreSQL it replays the existing migrations on a clean dev database: by default a
// scratch database created on -pg-admin-url and dropped afterwards; -pg-dev-url names an
// existing empty database instead. SQLite uses an in-memory database. When nothing
// changed, no file is written.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq" // "postgres" driver for the dev database
	"modernc.org/sqlite"

	entmigrate "launchgraph/ent/migrate"
)

// init registers modernc.org/sqlite as "sqlite3", the driver atlas opens sqlite:// URLs
// with. It does not import package store, whose embedded files may not exist yet.
func init() {
	if !slices.Contains(sql.Drivers(), dialect.SQLite) {
		sql.Register(dialect.SQLite, &sqlite.Driver{})
	}
}

const (
	defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	sqliteDevURL    = "sqlite://dev?mode=memory&_pragma=foreign_keys(1)"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	var (
		name     = flag.String("name", "", "name of the migration, e.g. add_venue_notes (required unless -hash)")
		dir      = flag.String("dir", "internal/store/migrations", "directory holding the postgres/ and sqlite/ migration directories")
		pgDevURL = flag.String("pg-dev-url", "", "empty PostgreSQL dev database to replay migrations on; default: a scratch database created on -pg-admin-url and dropped afterwards")
		adminURL = flag.String("pg-admin-url", defaultAdminURL, "PostgreSQL server used to create the scratch dev database")
		dialects = flag.String("dialects", "postgres,sqlite", "comma-separated dialects to generate")
		hash     = flag.Bool("hash", false, "only recompute atlas.sum of each directory (after editing a migration by hand)")
		timeout  = flag.Duration("timeout", 2*time.Minute, "overall time limit")
	)
	flag.Parse()
	if *name == "" && !*hash {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *name, *dir, *pgDevURL, *adminURL, *dialects, *hash); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, name, root, pgDevURL, adminURL, dialects string, hashOnly bool) error {
	for _, d := range strings.Split(dialects, ",") {
		d = strings.TrimSpace(d)
		var sub string
		switch d {
		case dialect.Postgres:
			sub = "postgres"
		case "sqlite", dialect.SQLite:
			sub = "sqlite"
		default:
			return fmt.Errorf("unknown dialect %q", d)
		}
		path := filepath.Join(root, sub)
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
		dir, err := sqltool.NewGooseDir(path)
		if err != nil {
			return fmt.Errorf("%s: %w", sub, err)
		}
		if hashOnly {
			sum, err := dir.Checksum()
			if err != nil {
				return fmt.Errorf("%s: hash: %w", sub, err)
			}
			if err := migrate.WriteSumFile(dir, sum); err != nil {
				return fmt.Errorf("%s: hash: %w", sub, err)
			}
			log.Printf("%s: rewrote atlas.sum", path)
			continue
		}
		before, err := dir.Files()
		if err != nil {
			return err
		}
		switch sub {
		case "postgres":
			err = diffPostgres(ctx, dir, name, pgDevURL, adminURL)
		case "sqlite":
			err = diff(ctx, dir, name, sqliteDevURL, dialect.SQLite)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", sub, err)
		}
		after, err := dir.Files()
		if err != nil {
			return err
		}
		if len(after) == len(before) {
			log.Printf("%s: no changes", path)
			continue
		}
		for _, f := range after[len(before):] {
			log.Printf("%s: wrote %s", path, f.Name())
		}
	}
	return nil
}

// diff writes the migration for the changes between the replayed directory and ent's schema.
func diff(ctx context.Context, dir migrate.Dir, name, devURL, dialectName string) error {
	return entmigrate.NamedDiff(ctx, devURL, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialectName),
		schema.WithFormatter(sqltool.GooseFormatter),
		// Also write DROP COLUMN / DROP INDEX for fields and indexes removed from ent/schema.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
}

func diffPostgres(ctx context.Context, dir migrate.Dir, name, devURL, adminURL string) (err error) {
	if devURL == "" {
		var drop func() error
		devURL, drop, err = scratchDatabase(ctx, adminURL)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, drop()) }()
	}
	return diff(ctx, dir, name, withSearchPath(devURL), dialect.Postgres)
}

// scratchDatabase creates an empty database on the server of adminURL and returns its URL
// and a function that drops it.
func scratchDatabase(ctx context.Context, adminURL string) (string, func() error, error) {
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		return "", nil, err
	}
	if err := admin.PingContext(ctx); err != nil {
		return "", nil, errors.Join(fmt.Errorf("connect to %s: %w", redact(adminURL), err), admin.Close())
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	dbName := "lg_migrate_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbName); err != nil {
		return "", nil, errors.Join(fmt.Errorf("create scratch database: %w", err), admin.Close())
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, errors.Join(err, admin.Close())
	}
	u.Path = "/" + dbName
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
		return errors.Join(err, admin.Close())
	}
	return u.String(), drop, nil
}

// withSearchPath pins the dev connection to the public schema so that atlas works on one
// schema and the migrations carry no schema qualifier.
func withSearchPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("search_path") == "" {
		q.Set("search_path", "public")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
