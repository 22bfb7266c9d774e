// Package store opens launchgraph's database, PostgreSQL or embedded SQLite, and migrates
// it with versioned goose migrations.
//
// # Opening
//
// Open picks the database from Config.URL (see Config; the server fills it from
// DATABASE_URL, DATA_DIR, DB_MAX_OPEN_CONNS and DB_MAX_IDLE_CONNS). It pings but does not
// migrate; the composition root calls DB.Migrate once at start-up (or the `migrate`
// command does).
//
// PostgreSQL is reached through github.com/lib/pq. Unless the URL sets a time zone,
// timezone=UTC is added so timestamps come back in time.UTC.
//
// # PostgreSQL statements
//
// Each PostgreSQL connection keeps the statements it runs prepared, in a least recently
// used cache of Config.StatementCacheSize (DefaultStatementCacheSize, 256) keyed by SQL
// text: a SELECT, INSERT, UPDATE, DELETE or WITH statement with 1 to 64 arguments is
// parsed and planned once per connection, on its first use, and after that costs one
// round trip (Bind, Execute, Sync). Statements without arguments (SET, LISTEN,
// migrations) keep lib/pq's simple protocol. A statement the server no longer accepts
// (a schema change altered its result type, or DEALLOCATE/DISCARD removed it) is
// prepared again and re-run once, transparently outside a transaction; inside one
// PostgreSQL has already aborted the transaction, so the error comes back and the next
// use prepares afresh. Evicted statements are closed on the server once the connection
// is outside a transaction; a broken connection takes its statements with it.
//
// A statement that starts with UncachedComment is not cached: it is planned with its
// arguments each time (for one over a table that grows fast from empty, whose cached
// generic plan would stay the sequential scan it was while the table fitted in a page).
//
// An ent bulk insert of two records or more (`INSERT … VALUES (…), (…) …`, a text and an
// argument count per number of records, uncached past 64 arguments) runs as one array per
// column instead — `INSERT INTO t (…) SELECT … FROM unnest($1::bigint[], $2::text[], …)
// WITH ORDINALITY … ORDER BY ordinality RETURNING "id"` — one cached text per table and
// set of columns whatever the number of records, the ids returned in the records' order
// and the values stored exactly as inserted one by one (unnest.go). SQLite keeps ent's
// statement.
//
// The URL also gets binary_parameters=yes unless it sets it: lib/pq then sends any
// statement with arguments that is not cached in one round trip (Parse, Bind, Execute,
// Sync) instead of two. In that mode []byte arguments go in binary format, right for
// bytea; ent's JSON values (json.RawMessage) are sent as text, which jsonb needs.
//
// SQLite is modernc.org/sqlite (pure Go). Every connection runs with foreign keys on, WAL,
// a 10 s busy timeout, synchronous=NORMAL, times written in SQLite's text format and read
// in UTC, and BEGIN IMMEDIATE transactions. The package also registers the driver as
// "sqlite3", ent's name for the dialect and the one atlas' sqlite:// URLs use.
//
// # Migrations
//
// The migrations live in migrations/postgres and migrations/sqlite, one goose SQL file per
// change and dialect, embedded in the binary; goose records what it applied in the
// goose_db_version table. On PostgreSQL concurrent Migrate calls are serialised by an
// advisory lock. Global ids (ent's FeatureGlobalID: each type owns a 1<<32 id range) are
// set by the migrations themselves: identity START WITH on PostgreSQL, sqlite_sequence
// rows on SQLite.
//
// After changing ent/schema and running `go generate ./...` in ent, write the migrations
// from the module root:
//
//	go run ./internal/store/migrations/gen -name add_venue_notes
//
// It replays the existing migrations of each dialect on a clean dev database and writes a
// new file <timestamp>_<name>.sql per dialect for the difference with ent's schema
// (nothing when there is none), and updates each directory's atlas.sum. PostgreSQL needs
// a server: by default the generator creates a scratch database on
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable (-pg-admin-url) and drops
// it afterwards; -pg-dev-url names an existing empty database instead. SQLite runs in
// memory. Review the files and commit them with the schema change; the drift test
// (TestMigrationsMatchEntSchema) fails until they exist. A migration edited by hand needs
// `go run ./internal/store/migrations/gen -hash` to refresh atlas.sum.
//
// Table rebuilds on SQLite (atlas writes them for most column changes) toggle
// PRAGMA foreign_keys, which has no effect inside a transaction: give such a file a
// `-- +goose NO TRANSACTION` line and check it by hand.
//
// # Tests
//
// Package storetest gives tests a fresh, migrated database of either dialect.
package store
