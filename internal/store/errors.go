package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUnavailable reports whether err means the database cannot serve now, so that the
// caller should answer UNAVAILABLE (retry later) rather than INTERNAL: the connection is
// refused, reset or lost; PostgreSQL is starting up or shutting down (57P03, 57P01,
// 57P02), cancelled the statement (57014, a statement timeout or the request's deadline),
// is out of connections or resources (class 53) or lost its connection (class 08);
// SQLite stayed locked past its busy timeout.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var opErr *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &opErr):
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "53", "57":
			return true
		}
		return false
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// IsInvalidValue reports whether PostgreSQL refused a value itself (class 22, data
// exception: a NUL byte, a number out of range, a malformed value), which is the caller's
// input rather than an internal error.
func IsInvalidValue(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code.Class() == "22"
}
