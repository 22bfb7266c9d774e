package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
	"modernc.org/sqlite"

	"launchgraph/ent"
	_ "launchgraph/ent/runtime" // schema defaults, hooks and policies
	"launchgraph/internal/audit"
	"launchgraph/internal/changes"
	"launchgraph/internal/events"
)

// DefaultSQLiteFile is the name of the embedded SQLite database created in Config.DataDir
// when Config.URL is empty.
const DefaultSQLiteFile = "launchgraph.db"

// sqliteDriver is the database/sql driver name Open uses for SQLite: modernc's own
// registration, so that a cgo "sqlite3" driver linked in elsewhere cannot take its place.
const sqliteDriver = "sqlite"

// init registers modernc.org/sqlite under "sqlite3" as well, the name ent's dialect and
// atlas' sqlite:// URLs (used by the migration generator and the drift tests) look for.
func init() {
	if !slices.Contains(sql.Drivers(), dialect.SQLite) {
		sql.Register(dialect.SQLite, &sqlite.Driver{})
	}
}

// Config selects and sizes the store.
type Config struct {
	// URL selects the database:
	//   - "" opens the embedded SQLite file launchgraph.db in DataDir;
	//   - "postgres://…" or "postgresql://…" opens PostgreSQL through github.com/lib/pq
	//     (sslmode and other parameters are passed through; timezone defaults to UTC);
	//   - "sqlite://PATH" or "file:PATH" opens that SQLite file, a relative PATH being
	//     relative to the working directory (query parameters are passed to
	//     modernc.org/sqlite after the store's own).
	// Anything else is an error.
	URL string
	// DataDir is where the embedded SQLite file lives; it is created if missing.
	// Empty means the working directory.
	DataDir string
	// MaxOpenConns and MaxIdleConns size the connection pool. 0 picks a default sized
	// for the machine: for PostgreSQL max(8, 4×NumCPU) open and max(2, NumCPU) idle; for
	// SQLite max(4, NumCPU) open, all kept idle.
	MaxOpenConns, MaxIdleConns int
	// WrapDriver, when set, wraps the ent driver, e.g. to count or log statements.
	WrapDriver func(dialect.Driver) dialect.Driver
	// StatementCacheSize bounds the prepared statements each PostgreSQL connection keeps
	// (the least recently used is closed to make room); 0 means
	// DefaultStatementCacheSize.
	StatementCacheSize int
	// NoStatementCache turns the PostgreSQL statement cache off: every statement is parsed
	// and planned anew. For comparisons, and behind a pooler that does not keep prepared
	// statements (PgBouncer in transaction mode).
	NoStatementCache bool
	// Dialer, when set, opens every PostgreSQL network connection (the pools' and the
	// LISTEN connection of Events), e.g. to count round trips in tests.
	Dialer pq.Dialer
}

// DB is an open store.
type DB struct {
	// Client is the ent client on top of SQL.
	Client *ent.Client
	// SQL is the underlying connection pool.
	SQL *sql.DB
	// Dialect is dialect.Postgres or dialect.SQLite.
	Dialect string
	// Events carries committed changes to live subscriptions: PostgreSQL LISTEN/NOTIFY
	// (shared by every process on the database), or in process for SQLite. Every change
	// made through Client is published after its transaction commits (events.Hook).
	Events events.Broker
	// Live reads for live subscriptions on a pool of its own (LivePoolSize connections),
	// so that subscribers keep up while requests use up the main pool. It is read-only:
	// writes through it would skip the hooks.
	Live *ent.Client

	live, probe *sql.DB // Live's pool; the readiness probe's connection

	keysMu       sync.Mutex
	keyObservers []func(ids ...int)
	refObservers []func(typ string)
}

// OnKeyChange calls fn, in the committing goroutine, with the ids of API keys changed
// through Client (revoked, expired, deleted), before the change returns.
func (db *DB) OnKeyChange(fn func(ids ...int)) {
	db.keysMu.Lock()
	defer db.keysMu.Unlock()
	db.keyObservers = append(db.keyObservers, fn)
}

// OnRefChange calls fn, in the committing goroutine, with the type (events.TypeRegion or
// events.TypeFormat) of reference rows changed through Client, before the change returns.
func (db *DB) OnRefChange(fn func(typ string)) {
	db.keysMu.Lock()
	defer db.keysMu.Unlock()
	db.refObservers = append(db.refObservers, fn)
}

func (db *DB) refChanged(typ string) {
	db.keysMu.Lock()
	fns := slices.Clone(db.refObservers)
	db.keysMu.Unlock()
	for _, fn := range fns {
		fn(typ)
	}
}

func (db *DB) keyChanged(ids ...int) {
	db.keysMu.Lock()
	fns := slices.Clone(db.keyObservers)
	db.keysMu.Unlock()
	for _, fn := range fns {
		fn(ids...)
	}
}

// defaultPool returns the pool sizes used when Config leaves them at 0.
//
// PostgreSQL gets 4 connections per CPU (at least 8) and keeps one idle per CPU (at
// least 2). SQLite in WAL mode has many readers and one writer at a time (writers wait
// on busy_timeout), so it gets max(4, NumCPU) connections, all kept idle, since every
// new connection re-runs the pragmas.
func defaultPool(dialectName string) (maxOpen, maxIdle int) {
	n := runtime.NumCPU()
	if dialectName == dialect.Postgres {
		// Keep every open connection idle-able: a smaller idle pool closes connections
		// under load only to open new ones (a PostgreSQL backend fork each) a moment later.
		return max(8, 4*n), max(8, 4*n)
	}
	return max(4, n), max(4, n)
}

// Open opens and pings the database selected by cfg. It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	driverName, dsn, dialectName, err := dataSource(cfg)
	if err != nil {
		return nil, err
	}
	db, err := openPool(cfg, driverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialectName, err)
	}
	maxOpen, maxIdle := defaultPool(dialectName)
	if cfg.MaxOpenConns > 0 {
		// Every open connection stays idle-able unless told otherwise (see defaultPool):
		// a larger pool with the default idle size would close the extra connections each
		// time they are returned, and open them again a moment later.
		maxOpen, maxIdle = cfg.MaxOpenConns, cfg.MaxOpenConns
	}
	if cfg.MaxIdleConns > 0 {
		maxIdle = cfg.MaxIdleConns
	}
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(min(maxIdle, maxOpen))
	if dialectName == dialect.Postgres {
		db.SetConnMaxIdleTime(5 * time.Minute)
		db.SetConnMaxLifetime(30 * time.Minute)
	}
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("store: ping %s: %w", dialectName, err), db.Close())
	}
	var drv dialect.Driver = entsql.OpenDB(dialectName, db)
	if cfg.WrapDriver != nil {
		drv = cfg.WrapDriver(drv)
	}
	client := ent.NewClient(ent.Driver(drv))
	// Every admin mutation is audited in its own transaction, whichever path makes it.
	client.Use(audit.Hook())
	// Deleted launches, sessions, speakers and objectives leave tombstones for partners
	// syncing incrementally, in the deleting transaction.
	client.Use(changes.Hook())
	var broker events.Broker = events.NewHub()
	if dialectName == dialect.Postgres {
		broker = events.NewPostgres(db, dsn, cfg.Dialer)
	}
	client.Use(events.Hook(broker, nil))
	out := &DB{
		Client:  client,
		SQL:     db,
		Dialect: dialectName,
		Events:  broker,
	}
	if err := out.openSide(cfg, driverName, dsn); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	// A revoked or changed API key reaches this process at once and every replica's key
	// cache through the broker.
	client.Use(events.KeyHook(broker, out.keyChanged, nil))
	// So do changed regions and formats, for every replica's reference-row cache.
	client.Use(events.RefHook(broker, out.refChanged, nil))
	return out, nil
}

// LivePoolSize is the size of the pool live subscriptions read on.
const LivePoolSize = 2

// openSide opens the pools beside the main one: Live's, and the readiness probe's single
// connection, which answers while requests hold every pooled connection. Both connect
// only when used.
func (db *DB) openSide(cfg Config, driverName, dsn string) error {
	var err error
	if db.live, err = openPool(cfg, driverName, dsn); err != nil {
		return fmt.Errorf("store: open live pool: %w", err)
	}
	db.live.SetMaxOpenConns(LivePoolSize)
	db.live.SetMaxIdleConns(LivePoolSize)
	// Not through cfg.WrapDriver: the statement counts of tests are the main pool's.
	db.Live = ent.NewClient(ent.Driver(entsql.OpenDB(db.Dialect, db.live)))
	if db.probe, err = openPool(cfg, driverName, dsn); err != nil {
		return errors.Join(fmt.Errorf("store: open readiness probe: %w", err), db.live.Close())
	}
	db.probe.SetMaxOpenConns(1)
	db.probe.SetMaxIdleConns(1)
	return nil
}

// openPool returns a connection pool for dsn. PostgreSQL connections come from lib/pq's
// connector, through cfg.Dialer when set, each with its own prepared-statement cache
// (stmtConn) unless cfg.NoStatementCache.
func openPool(cfg Config, driverName, dsn string) (*sql.DB, error) {
	if driverName != "postgres" {
		return sql.Open(driverName, dsn)
	}
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.Dialer != nil {
		connector.Dialer(cfg.Dialer)
	}
	size := cfg.StatementCacheSize
	if size <= 0 {
		size = DefaultStatementCacheSize
	}
	if cfg.NoStatementCache {
		size = 0
	}
	return sql.OpenDB(&stmtConnector{base: connector, size: size}), nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.probe.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.Dialect, err)
	}
	return nil
}

// Close closes the ent client and the connection pool. Closing twice is harmless.
func (db *DB) Close() error {
	// The ent driver closes db.SQL too, unless a WrapDriver forgot to pass Close on;
	// sql.DB.Close is idempotent.
	var errEvents error
	if db.Events != nil {
		errEvents = db.Events.Close()
	}
	if err := errors.Join(errEvents, db.Client.Close(), db.SQL.Close(), db.live.Close(), db.probe.Close()); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// dataSource maps cfg to a database/sql driver name, its DSN and the ent dialect.
func dataSource(cfg Config) (driverName, dsn, dialectName string, err error) {
	raw := strings.TrimSpace(cfg.URL)
	lower := strings.ToLower(raw)
	switch {
	case raw == "":
		dir := cfg.DataDir
		if dir == "" {
			dir = "."
		}
		dsn, err = sqliteDSN(filepath.Join(dir, DefaultSQLiteFile), "")
		return sqliteDriver, dsn, dialect.SQLite, err
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		dsn, err = postgresDSN(raw)
		return "postgres", dsn, dialect.Postgres, err
	case strings.HasPrefix(lower, "sqlite://"):
		path, query, _ := strings.Cut(raw[len("sqlite://"):], "?")
		dsn, err = sqliteDSN(path, query)
		return sqliteDriver, dsn, dialect.SQLite, err
	case strings.HasPrefix(lower, "file:"):
		path, query, _ := strings.Cut(raw[len("file:"):], "?")
		path = strings.TrimPrefix(path, "//") // file:///abs/path.db
		dsn, err = sqliteDSN(path, query)
		return sqliteDriver, dsn, dialect.SQLite, err
	default:
		scheme, _, ok := strings.Cut(raw, "://")
		if !ok {
			scheme, _, _ = strings.Cut(raw, ":")
		}
		if len(scheme) > 20 || scheme == raw {
			scheme = "" // not a scheme: do not echo what may be a secret
		}
		return "", "", "", fmt.Errorf("store: unsupported database URL scheme %q: want postgres://, postgresql://, sqlite:// or file", scheme)
	}
}

// postgresDSN returns the URL with the store's session defaults added where it does not
// set them: timezone=UTC, so that lib/pq returns timestamps in time.UTC, statement and
// idle-transaction timeouts, binary_parameters=yes, lib/pq's mode that sends a
// statement with arguments in one round trip (Parse, Bind, Execute, Sync) instead of two,
// and random_page_cost=1.1: the planner's cost of reading a page out of order, 4 by
// default (for spinning disks), lowered as PostgreSQL's documentation suggests when the
// data is on SSD or in RAM — this store's tables are small and live in shared buffers.
// With 4, the cached generic plan of a page ordered by an index (the newest 50 registrants
// of a launch with one status) fetches and sorts every matching row instead of reading the
// first 51 off the index, four times the time (server/readpath_test.go's (c)).
// Everything else, sslmode included, is passed through untouched.
func postgresDSN(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included: report the cause only.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", fmt.Errorf("store: parse postgres URL: %w", err)
	}
	// Defaults, unless the URL sets them: UTC times, bounds on a runaway statement or a
	// transaction left idle by a stuck client, so neither holds locks for long, and
	// lib/pq's single-round-trip mode, random reads priced for cached data.
	defaults := []struct{ key, value string }{
		{"timezone", "UTC"},
		{"statement_timeout", "30000"},
		{"idle_in_transaction_session_timeout", "60000"},
		{"binary_parameters", "yes"},
		{"random_page_cost", "1.1"},
	}
	q := u.Query()
	for _, d := range defaults {
		set := false
		for k := range q {
			if strings.EqualFold(k, d.key) {
				set = true
			}
		}
		if !set {
			if u.RawQuery != "" {
				u.RawQuery += "&"
			}
			u.RawQuery += d.key + "=" + d.value
		}
	}
	return u.String(), nil
}

// sqliteParams are set on every SQLite connection: foreign keys on, WAL, a 10 s busy
// wait, synchronous=NORMAL (safe with WAL; a power loss may lose the last commits but
// does not corrupt), times written in SQLite's format and read back in UTC, and
// transactions that take the write lock at BEGIN so that concurrent writers wait on the
// busy timeout instead of failing with SQLITE_BUSY when upgrading a read lock.
const sqliteParams = "_pragma=foreign_keys(1)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=busy_timeout(10000)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_time_format=sqlite" +
	"&_timezone=UTC" +
	"&_txlock=immediate"

// sqliteDSN creates the directory of path and returns a modernc DSN for it, with the
// store's pragmas followed by the caller's extra query parameters.
func sqliteDSN(path, extra string) (string, error) {
	if path == "" {
		return "", errors.New("store: sqlite URL has no file path")
	}
	if strings.HasPrefix(path, ":memory:") || strings.Contains(extra, "mode=memory") {
		return "", errors.New("store: in-memory SQLite is not supported: each pooled connection would get its own database")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("store: create data directory: %w", err)
		}
	}
	// The DSN is an SQLite URI filename: escape the characters it gives a meaning to.
	escaped := strings.NewReplacer("%", "%25", "#", "%23", "?", "%3f").Replace(path)
	dsn := "file:" + escaped + "?" + sqliteParams
	if extra != "" {
		dsn += "&" + extra
	}
	return dsn, nil
}
