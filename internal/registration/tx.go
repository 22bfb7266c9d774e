package registration

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"launchgraph/ent"
	"launchgraph/internal/apperr"
)

// Retry bounds of a self-run transaction.
const (
	defaultMaxAttempts = 8
	backoffBase        = 2 * time.Millisecond
	backoffCap         = 100 * time.Millisecond
)

// Names of the unique indexes the service relies on (PostgreSQL names; SQLite reports
// the columns instead, see uniqueViolation).
const (
	emailIndex   = "registrant_launch_id_email_key"
	idemKeyIndex = "idempotency_keys_key_hash_key"
	tokenIndex   = "registrants_manage_token_hash_key"
)

// inTx runs fn in a transaction. Inside a transaction the caller opened (ent.TxFromContext,
// e.g. the GraphQL Transactioner of an admin mutation), fn runs once with it and the
// caller commits. Otherwise the service opens its own transaction and retries the whole
// of fn, with a bounded jittered backoff, on serialization failures and deadlocks
// (40001, 40P01), SQLITE_BUSY/SQLITE_LOCKED, and a collision of manage tokens (2^-256,
// but a fresh attempt draws a new token).
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Client) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(ctx, tx.Client())
	}
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= s.maxAttempts {
			return fmt.Errorf("registration: giving up after %d attempts: %w", attempt,
				apperr.Errorf(apperr.Unavailable, "the database is busy, try again"))
		}
		// Full jitter: concurrent losers spread out instead of colliding again.
		wait := min(backoffCap, backoffBase<<(attempt-1))
		wait = time.Duration(rand.Int64N(int64(wait)) + 1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("registration: retry: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

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

// runTx runs fn once in a new transaction: commit on success, rollback otherwise.
func (s *Service) runTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Client) error) (err error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("registration: begin: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	client := tx.Client()
	if err := fn(ent.NewTxContext(ent.NewContext(ctx, client), tx), client); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("registration: commit: %w", err)
	}
	return nil
}

// retryable reports errors after which the same transaction, run again, may succeed.
func retryable(err error) bool {
	if uniqueViolation(err, tokenIndex) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
		return false
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff { // primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
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
