package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func openT(t *testing.T, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(testContext(t), cfg)
	if err != nil {
		t.Fatalf("Open(%q): %v", cfg.URL, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestOpenDefaultCreatesFileInDataDir(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "nested", "data") // does not exist yet
	db := openT(t, store.Config{DataDir: dataDir})
	if db.Dialect != dialect.SQLite {
		t.Fatalf("Dialect = %q, want %q", db.Dialect, dialect.SQLite)
	}
	if err := db.Migrate(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, store.DefaultSQLiteFile)); err != nil {
		t.Fatalf("%s not created in DataDir: %v", store.DefaultSQLiteFile, err)
	}
	var mode string
	if err := db.SQL.QueryRowContext(testContext(t), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

func TestOpenDefaultDataDirIsWorkingDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	openT(t, store.Config{})
	if _, err := os.Stat(store.DefaultSQLiteFile); err != nil {
		t.Fatalf("%s not created in the working directory: %v", store.DefaultSQLiteFile, err)
	}
}

func TestOpenSQLiteURLs(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{
		"sqlite://" + filepath.Join(dir, "a.db"),
		"file:" + filepath.Join(dir, "b.db"),
		"sqlite://" + filepath.Join(dir, "sub", "c.db") + "?_pragma=cache_size(-4000)",
		"file://" + filepath.Join(dir, "d.db"),
	} {
		t.Run(u, func(t *testing.T) {
			db := openT(t, store.Config{URL: u, DataDir: filepath.Join(dir, "unused")})
			if db.Dialect != dialect.SQLite {
				t.Fatalf("Dialect = %q", db.Dialect)
			}
			ctx := testContext(t)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(u, "sqlite://"), "file://"), "file:")
			path, _, _ = strings.Cut(path, "?")
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("database file: %v", err)
			}
			for pragma, want := range map[string]int{"foreign_keys": 1, "busy_timeout": 10000, "synchronous": 1} {
				var got int
				if err := db.SQL.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("PRAGMA %s = %d, want %d", pragma, got, want)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "unused")); !os.IsNotExist(err) {
		t.Errorf("DataDir was created for an explicit sqlite URL: %v", err)
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"mysql://root:s3cret@localhost/db", `unsupported database URL scheme "mysql"`},
		{"launchgraph.db", "unsupported database URL scheme"},
		{"sqlite://", "no file path"},
		{"sqlite://x.db?mode=memory", "in-memory SQLite is not supported"},
		{"postgres://user:s3cret@host:5432/db?sslmode=disable\x7f", "parse postgres URL"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			db, err := store.Open(testContext(t), store.Config{URL: tc.url, DataDir: t.TempDir()})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "store: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want prefix %q and %q", msg, "store: ", tc.want)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("error leaks the password: %q", msg)
			}
		})
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := store.Open(ctx, store.Config{URL: "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"})
	if err == nil || !strings.HasPrefix(err.Error(), "store: ping postgres") {
		t.Fatalf("err = %v, want store: ping postgres: …", err)
	}
}

func TestPoolSizes(t *testing.T) {
	db := storetest.SQLite(t)
	if got, want := db.SQL.Stats().MaxOpenConnections, max(4, runtime.NumCPU()); got != want {
		t.Errorf("default SQLite MaxOpenConnections = %d, want %d", got, want)
	}
	db = storetest.SQLite(t, func(c *store.Config) { c.MaxOpenConns, c.MaxIdleConns = 3, 1 })
	if got := db.SQL.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("MaxOpenConnections = %d, want 3", got)
	}
}

// A pool sized by MaxOpenConns keeps every connection it opened: with the default idle
// size under it, the extra connections were closed each time they came back (and opened
// again a moment later: a PostgreSQL backend fork and a cold statement cache each).
func TestPoolKeepsItsConnections(t *testing.T) {
	for name, open := range map[string]func(testing.TB, ...func(*store.Config)) *store.DB{
		"sqlite": storetest.SQLite, "postgres": storetest.Postgres,
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t, func(c *store.Config) { c.MaxOpenConns = 12 })
			ctx := context.Background()
			conns := make([]*sql.Conn, 12)
			for i := range conns {
				c, err := db.SQL.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns[i] = c
			}
			for _, c := range conns {
				_ = c.Close()
			}
			if st := db.SQL.Stats(); st.MaxIdleClosed != 0 || st.Idle != 12 {
				t.Fatalf("after 12 connections came back: %d idle, %d closed for the idle limit", st.Idle, st.MaxIdleClosed)
			}
		})
	}
}

func TestPostgresTimezone(t *testing.T) {
	db := storetest.Postgres(t)
	if db.Dialect != dialect.Postgres {
		t.Fatalf("Dialect = %q", db.Dialect)
	}
	var tz string
	if err := db.SQL.QueryRowContext(testContext(t), "SHOW TimeZone").Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "UTC" {
		t.Errorf("session TimeZone = %q, want UTC", tz)
	}

	// A time zone set in the URL is kept.
	db = storetest.Postgres(t, func(c *store.Config) {
		u, err := url.Parse(c.URL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("TimeZone", "Asia/Tokyo")
		u.RawQuery = q.Encode()
		c.URL = u.String()
	})
	if err := db.SQL.QueryRowContext(testContext(t), "SHOW TimeZone").Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "Asia/Tokyo" {
		t.Errorf("session TimeZone = %q, want Asia/Tokyo", tz)
	}
}

// countingDriver counts the statements ent sends.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func TestWrapDriver(t *testing.T) {
	for name, open := range map[string]func(testing.TB, ...func(*store.Config)) *store.DB{
		"sqlite":   storetest.SQLite,
		"postgres": storetest.Postgres,
	} {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int64
			db := open(t, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { return countingDriver{d, &n} }
			})
			if _, err := db.Client.Region.Query().Count(testContext(t)); err != nil {
				t.Fatal(err)
			}
			if got := n.Load(); got != 1 {
				t.Errorf("counted %d statements, want 1", got)
			}
		})
	}
}
