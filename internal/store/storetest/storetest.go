// Package storetest gives tests a fresh, migrated store.DB on SQLite or PostgreSQL.
//
// PostgreSQL tests use TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres
// when it is unset, to create a throw-away database per call. When the server cannot be
// reached they are skipped, unless LAUNCHGRAPH_REQUIRE_POSTGRES=1 (as in CI), which makes
// them fail instead.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/lib/pq" // "postgres" driver for the admin connection

	"launchgraph/internal/store"
)

// DefaultPostgresURL is the server Postgres uses when TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// SQLite returns a migrated store on a new SQLite file in tb.TempDir(), closed when the
// test ends. opts may adjust the Config before it is opened.
func SQLite(tb testing.TB, opts ...func(*store.Config)) *store.DB {
	tb.Helper()
	dir := tb.TempDir()
	cfg := store.Config{URL: "sqlite://" + filepath.Join(dir, "test.db"), DataDir: dir}
	return openMigrated(tb, cfg, opts)
}

// Postgres returns a migrated store on a new, uniquely named PostgreSQL database, closed
// and dropped when the test ends. opts may adjust the Config before it is opened (its URL
// already points at the new database).
func Postgres(tb testing.TB, opts ...func(*store.Config)) *store.DB {
	tb.Helper()
	return openMigrated(tb, store.Config{URL: PostgresURL(tb)}, opts)
}

// PostgresURL creates a new, empty, uniquely named PostgreSQL database, dropped when the
// test ends, and returns its URL. It skips the test when PostgreSQL is unreachable, unless
// LAUNCHGRAPH_REQUIRE_POSTGRES=1.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		adminURL = DefaultPostgresURL
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		tb.Fatalf("storetest: TEST_DATABASE_URL is not a URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("postgres", adminURL)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			_ = admin.Close()
		}
		msg := "PostgreSQL at " + u.Redacted() + " is unreachable (" + err.Error() +
			"); set TEST_DATABASE_URL to a reachable server"
		if os.Getenv("LAUNCHGRAPH_REQUIRE_POSTGRES") == "1" {
			tb.Fatal("storetest: " + msg + " (LAUNCHGRAPH_REQUIRE_POSTGRES=1 requires it)")
		}
		tb.Skip("storetest: postgres tests skipped: " + msg +
			", or LAUNCHGRAPH_REQUIRE_POSTGRES=1 to fail instead of skipping")
	}
	admin.SetMaxOpenConns(1)

	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "lg_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		tb.Fatalf("storetest: create database %s: %v", name, err)
	}
	// Registered before openMigrated's cleanup, so it runs after the store is closed.
	tb.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Each runs fn as the subtests "sqlite" and "postgres", each with its own fresh store.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

func openMigrated(tb testing.TB, cfg store.Config, opts []func(*store.Config)) *store.DB {
	tb.Helper()
	for _, opt := range opts {
		opt(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("storetest: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	return db
}

// PostgresPair returns two stores, each with its own connection pool, on one new migrated
// PostgreSQL database, as two server processes would use it; closed and dropped when the
// test ends.
func PostgresPair(tb testing.TB) (*store.DB, *store.DB) {
	tb.Helper()
	url := PostgresURL(tb)
	first := openMigrated(tb, store.Config{URL: url}, nil)
	second := openMigrated(tb, store.Config{URL: url}, nil)
	return first, second
}
