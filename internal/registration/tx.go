package registration

import (
	"errors"
	"strings"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"launchgraph/ent"
	"launchgraph/internal/txn"
)

// Names of the unique indexes the service relies on (PostgreSQL names; SQLite reports
// the columns instead, see uniqueViolation).
const (
	emailIndex   = "registrant_launch_id_email_key"
	idemKeyIndex = "idempotency_keys_key_hash_key"
	tokenIndex   = "registrants_manage_token_hash_key"
)

// detach rebinds r, read in a transaction the service ran itself (joined is false), to the
// client that opened it: the transaction has committed by the time the caller resolves r's
// edges (a GraphQL reply selecting `registrant { launch { title } }`), and they would
// otherwise be read through a closed transaction. In the caller's transaction (joined) r
// stays bound to it, which is still open.
func detach(r *ent.Registrant, joined bool) *ent.Registrant {
	if r == nil || joined {
		return r
	}
	return r.Unwrap()
}

// retryable reports errors after which the same transaction, run again, may succeed:
// txn.Transient ones, and a collision of manage tokens (2^-256, but a fresh attempt draws
// new tokens).
func retryable(err error) bool {
	return uniqueViolation(err, tokenIndex) || txn.Transient(err)
}

// uniqueViolation reports whether err is a unique violation of the named index.
func uniqueViolation(err error, index string) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23505" && pqErr.Constraint == index
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) && liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		// SQLite names the columns: "UNIQUE constraint failed: registrants.launch_id, registrants.email_key".
		msg := liteErr.Error()
		switch index {
		case emailIndex:
			return strings.Contains(msg, "registrants.email_key")
		case idemKeyIndex:
			return strings.Contains(msg, "idempotency_keys.key_hash")
		case tokenIndex:
			return strings.Contains(msg, "registrants.manage_token_hash")
		}
	}
	return false
}
