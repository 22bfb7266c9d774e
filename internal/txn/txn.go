// Package txn is the one transaction runner of the domain packages: it runs a function in
// the caller's transaction when the context carries one, else in a transaction of its own
// that it commits, rolls back or retries.
package txn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"launchgraph/ent"
	"launchgraph/internal/apperr"
)

// Func is the work of a transaction: tx is the transaction's client, also carried by ctx
// (ent.FromContext, ent.TxFromContext) for the code it calls.
type Func func(ctx context.Context, tx *ent.Client) error

// Policy bounds the retries of a transaction Run opens itself.
type Policy struct {
	// MaxAttempts is how many times fn runs at most (8 when zero); 1 never retries.
	MaxAttempts int
	// Retryable reports an error after which fn, run again in a new transaction, may
	// succeed; nil uses Transient.
	Retryable func(error) bool
}

// Retry bounds: the first backoff and its cap (full jitter).
const (
	defaultMaxAttempts = 8
	backoffBase        = 2 * time.Millisecond
	backoffCap         = 100 * time.Millisecond
)

// Joined reports whether ctx carries a transaction that Run would join.
func Joined(ctx context.Context) bool { return ent.TxFromContext(ctx) != nil }

// Run runs fn in a transaction. Inside a transaction the caller opened (ent.TxFromContext,
// e.g. the GraphQL Transactioner of an admin mutation) fn runs once in it and the caller
// commits. Otherwise Run begins a transaction on client, commits it when fn succeeds and
// rolls it back when fn fails or panics; when the error is retryable (p.Retryable) it runs
// fn again in a new transaction after a jittered backoff, at most p.MaxAttempts times, then
// fails with UNAVAILABLE.
func Run(ctx context.Context, client *ent.Client, p Policy, fn Func) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(ctx, tx.Client())
	}
	maxAttempts, retryable := p.MaxAttempts, p.Retryable
	if maxAttempts <= 0 {
		maxAttempts = defaultMaxAttempts
	}
	if retryable == nil {
		retryable = Transient
	}
	for attempt := 1; ; attempt++ {
		err := once(ctx, client, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= maxAttempts {
			return fmt.Errorf("txn: giving up after %d attempts (%w): %w", attempt, err,
				apperr.Errorf(apperr.Unavailable, "the database is busy, try again"))
		}
		// Full jitter: concurrent losers spread out instead of colliding again.
		wait := min(backoffCap, backoffBase<<(attempt-1))
		wait = time.Duration(rand.Int64N(int64(wait)) + 1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("txn: retry: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// once runs fn in one new transaction: commit on success, rollback otherwise.
func once(ctx context.Context, client *ent.Client, fn Func) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("txn: begin: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	c := tx.Client()
	if err := fn(ent.NewTxContext(ent.NewContext(ctx, c), tx), c); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("txn: commit: %w", err)
	}
	return nil
}

// Transient reports errors after which the same transaction, run again, may succeed:
// PostgreSQL serialization failures and deadlocks (40001, 40P01), SQLITE_BUSY and
// SQLITE_LOCKED.
func Transient(err error) bool {
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
