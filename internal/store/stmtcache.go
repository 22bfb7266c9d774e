package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"strings"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// DefaultStatementCacheSize is how many prepared statements each PostgreSQL connection
// keeps when Config.StatementCacheSize is 0.
const DefaultStatementCacheSize = 256

// maxCachedArgs bounds the arguments of a cached statement: longer ones are bulk inserts
// and long IN lists, whose text changes with the number of rows and would only churn the
// cache.
const maxCachedArgs = 64

// stmtConnector wraps lib/pq's connector so that every connection it opens is a stmtConn.
type stmtConnector struct {
	base driver.Connector
	size int // statements cached per connection; 0 caches none
}

// Connect opens a lib/pq connection and gives it a statement cache.
func (c *stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	base, ok := conn.(pqConn)
	if !ok { // not lib/pq's connection as we know it: leave it alone
		return conn, nil
	}
	return newStmtConn(base, c.size), nil
}

// Driver returns lib/pq's driver.
func (c *stmtConnector) Driver() driver.Driver { return c.base.Driver() }

// pqConn is what lib/pq's connection implements and stmtConn passes on.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// stmtConn is a lib/pq connection with a bounded LRU cache of prepared statements keyed by
// SQL text. QueryContext and ExecContext run a cacheable statement (see cacheable) through
// its cached prepared statement, prepared on the connection's first use of the text: one
// round trip (Bind, Execute, Sync) instead of a parse and plan each time. A bulk insert
// of ent's runs as one array per column (unnest.go), a list of values as one array
// (anylist.go): one text whatever its size.
// Everything else goes to lib/pq as it is.
//
// A statement the server no longer accepts (a schema change altered its result type, or
// it was deallocated) is dropped from the cache and, outside a transaction, re-prepared and
// run again once; inside one the error is returned, since PostgreSQL has aborted the
// transaction, and the next use prepares afresh. Statements evicted or dropped are closed
// on the server once the connection is outside a transaction. A broken connection forgets
// its cache: its statements go with the server session.
//
// database/sql uses a connection from one goroutine at a time, so stmtConn has no locks.
type stmtConn struct {
	base    pqConn
	stmts   *simplelru.LRU[string, driver.Stmt] // nil: no cache
	size    int
	closing []driver.Stmt // evicted or stale, to close outside a transaction
	inTx    bool
}

func newStmtConn(base pqConn, size int) *stmtConn {
	c := &stmtConn{base: base, size: size}
	c.reset()
	return c
}

// reset empties the cache without closing anything on the server.
func (c *stmtConn) reset() {
	c.closing = nil
	c.stmts = nil
	if c.size <= 0 {
		return
	}
	// NewLRU fails only for a size ≤ 0.
	c.stmts, _ = simplelru.NewLRU(c.size, func(_ string, st driver.Stmt) {
		c.closing = append(c.closing, st)
	})
}

// UncachedComment starts a statement that must not go through the statement cache: it is
// parsed and planned with its arguments each time it runs (a custom plan; with
// binary_parameters still one round trip). For a statement over a table that grows fast
// from small, whose cached generic plan, made while the table was a page or two, would
// stay a sequential scan until the next ANALYZE.
const UncachedComment = "/* uncached */"

// cacheable reports whether the statement goes through the cache: one SELECT, INSERT,
// UPDATE, DELETE or WITH statement with arguments, not marked UncachedComment. Statements
// without arguments (SET, LISTEN, migrations with several statements) keep lib/pq's simple
// query protocol.
func cacheable(query string, args []driver.NamedValue) bool {
	if len(args) == 0 || len(args) > maxCachedArgs || strings.HasPrefix(query, UncachedComment) {
		return false
	}
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 6 {
		return false
	}
	for _, kw := range [...]string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} {
		if len(q) >= len(kw) && strings.EqualFold(q[:len(kw)], kw) {
			return true
		}
	}
	return false
}

// stale reports whether err says that a prepared statement is no longer valid, so that
// preparing it again fixes it: its result type changed under a schema change (0A000,
// "cached plan must not change result type") or the server no longer knows its name
// (26000, after DEALLOCATE or DISCARD).
func stale(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	switch pqErr.Code {
	case pqerror.InvalidSQLStatementName:
		return true
	case pqerror.FeatureNotSupported:
		return strings.Contains(pqErr.Message, "cached plan")
	}
	return false
}

// stmt returns the cached statement for query, preparing it on a miss.
func (c *stmtConn) stmt(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts.Get(query); ok {
		return st, nil
	}
	st, err := c.base.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts.Add(query, st)
	if err := c.closePending(); err != nil {
		return nil, err
	}
	return st, nil
}

// closePending closes, outside a transaction, the statements evicted or found stale. It
// returns driver.ErrBadConn if that broke the connection (nothing has run yet, so
// database/sql may retry on another).
func (c *stmtConn) closePending() error {
	if c.inTx || len(c.closing) == 0 {
		return nil
	}
	pending := c.closing
	c.closing = nil
	for _, st := range pending {
		if err := st.Close(); err != nil && !c.base.IsValid() {
			c.reset()
			return driver.ErrBadConn
		}
	}
	return nil
}

// failed drops the cache when err left the connection unusable, and returns err.
func (c *stmtConn) failed(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, driver.ErrBadConn) || !c.base.IsValid() {
		c.reset()
	}
	return err
}

// QueryContext runs query through its cached prepared statement when it is cacheable, a
// bulk insert and lists of values as arrays (unnestInsert, anyLists).
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, a, ok := unnestInsert(query, args); ok {
		query, args = q, a
	} else if q, a, ok := anyLists(query, args); ok {
		query, args = q, a
	}
	if c.stmts == nil || !cacheable(query, args) {
		rows, err := c.base.QueryContext(ctx, query, args)
		return rows, c.failed(err)
	}
	for retried := false; ; retried = true {
		st, err := c.stmt(ctx, query)
		if err != nil {
			return nil, c.failed(err)
		}
		rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err == nil {
			return rows, nil
		}
		if !c.retry(query, err, retried) {
			return nil, c.failed(err)
		}
	}
}

// ExecContext runs query through its cached prepared statement when it is cacheable, a
// bulk insert and lists of values as arrays (unnestInsert, anyLists).
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if q, a, ok := unnestInsert(query, args); ok {
		query, args = q, a
	} else if q, a, ok := anyLists(query, args); ok {
		query, args = q, a
	}
	if c.stmts == nil || !cacheable(query, args) {
		res, err := c.base.ExecContext(ctx, query, args)
		return res, c.failed(err)
	}
	for retried := false; ; retried = true {
		st, err := c.stmt(ctx, query)
		if err != nil {
			return nil, c.failed(err)
		}
		res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
		if err == nil {
			return res, nil
		}
		if !c.retry(query, err, retried) {
			return nil, c.failed(err)
		}
	}
}

// retry drops query's statement if err says it is stale, and reports whether to prepare
// and run it again: once, and only outside a transaction (an error aborts one).
func (c *stmtConn) retry(query string, err error, retried bool) bool {
	if !stale(err) {
		return false
	}
	c.stmts.Remove(query) // closed by closePending
	return !retried && !c.inTx && c.base.IsValid()
}

// CheckNamedValue sends json.RawMessage (ent's JSON fields) as text: with
// binary_parameters lib/pq sends []byte in binary format, which jsonb does not read as
// JSON text. Everything else is lib/pq's conversion.
func (c *stmtConn) CheckNamedValue(nv *driver.NamedValue) error {
	if raw, ok := nv.Value.(json.RawMessage); ok {
		if raw == nil {
			nv.Value = nil
		} else {
			nv.Value = string(raw)
		}
		return nil
	}
	return c.base.CheckNamedValue(nv)
}

// BeginTx starts a transaction; the cache keeps working inside it.
func (c *stmtConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.closePending(); err != nil {
		return nil, err
	}
	tx, err := c.base.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.failed(err)
	}
	c.inTx = true
	return &stmtTx{base: tx, conn: c}, nil
}

// Begin starts a transaction.
//
// Deprecated: database/sql calls BeginTx.
func (c *stmtConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// Prepare prepares a statement the caller owns, outside the cache.
func (c *stmtConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext prepares a statement the caller owns, outside the cache.
func (c *stmtConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.base.PrepareContext(ctx, query)
	return st, c.failed(err)
}

// Ping checks the connection.
func (c *stmtConn) Ping(ctx context.Context) error { return c.failed(c.base.Ping(ctx)) }

// ResetSession is called before the pool hands the connection out again: it closes the
// statements left to close and forgets the cache of a broken connection.
func (c *stmtConn) ResetSession(ctx context.Context) error {
	if err := c.base.ResetSession(ctx); err != nil {
		c.reset()
		return err
	}
	c.inTx = false
	return c.closePending()
}

// IsValid reports whether the connection may be reused.
func (c *stmtConn) IsValid() bool {
	if !c.base.IsValid() {
		c.reset()
		return false
	}
	return true
}

// Close closes the connection; its statements go with the server session.
func (c *stmtConn) Close() error {
	c.reset()
	return c.base.Close()
}

// stmtTx tracks the end of a transaction for its stmtConn.
type stmtTx struct {
	base driver.Tx
	conn *stmtConn
}

// Commit commits the transaction.
func (t *stmtTx) Commit() error {
	t.conn.inTx = false
	return t.conn.failed(t.base.Commit())
}

// Rollback rolls the transaction back.
func (t *stmtTx) Rollback() error {
	t.conn.inTx = false
	return t.conn.failed(t.base.Rollback())
}
