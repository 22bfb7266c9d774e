package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrationFiles holds the goose migrations of both dialects, one directory each. The
// atlas.sum files beside them are for the generator and are not embedded.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// migrations returns the embedded goose migration files for the ent dialect name
// (dialect.Postgres or dialect.SQLite), rooted at the dialect's directory.
func migrations(dialectName string) (fs.FS, error) {
	var dir string
	switch dialectName {
	case dialect.Postgres:
		dir = "migrations/postgres"
	case dialect.SQLite:
		dir = "migrations/sqlite"
	default:
		return nil, fmt.Errorf("store: no migrations for dialect %q", dialectName)
	}
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", dialectName, err)
	}
	return sub, nil
}

// Migrate applies the embedded migrations of the store's dialect that the database has
// not seen yet; it is idempotent. On PostgreSQL a session advisory lock serialises
// concurrent callers (e.g. several replicas starting at once).
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrationProvider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate %s: %w", db.Dialect, err)
	}
	return nil
}

// migrationProvider builds a goose provider over the embedded migrations, without
// goose's global state.
func (db *DB) migrationProvider() (*goose.Provider, error) {
	fsys, err := migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
	}
	var gooseDialect goose.Dialect
	switch db.Dialect {
	case dialect.Postgres:
		gooseDialect = goose.DialectPostgres
		// Retry every second for up to five minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	case dialect.SQLite:
		gooseDialect = goose.DialectSQLite3
	default:
		return nil, fmt.Errorf("store: no migrations for dialect %q", db.Dialect)
	}
	p, err := goose.NewProvider(gooseDialect, db.SQL, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", db.Dialect, err)
	}
	return p, nil
}
