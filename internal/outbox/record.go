package outbox

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"launchgraph/ent/notification"
)

// outcome is what became of a claimed notification in a round: sent with subject, or
// failed with err (a retry, or FAILED when permanent or out of attempts).
type outcome struct {
	c       claimed
	subject string
	err     error
}

// recorded is how an outcome is stored.
type recorded struct {
	status  notification.Status
	nextAt  time.Time // retries only
	lastErr string    // "" for a sent one
	label   string    // the metric's outcome: sent, retry or failed
}

// judge decides how o is stored at now.
func (s *Sender) judge(o outcome, now time.Time) recorded {
	n := o.c.n
	switch {
	case o.err == nil:
		return recorded{status: notification.StatusSENT, label: "sent"}
	case IsPermanent(o.err) || n.Attempts >= s.cfg.MaxAttempts:
		s.logger.Warn("outbox: notification failed", "id", n.ID, "kind", n.Kind, "attempts", n.Attempts, "err", o.err)
		return recorded{status: notification.StatusFAILED, lastErr: truncate(o.err.Error(), 1000), label: "failed"}
	default:
		return recorded{status: notification.StatusPENDING, nextAt: now.Add(s.backoff(n.Attempts)),
			lastErr: truncate(o.err.Error(), 1000), label: "retry"}
	}
}

// recordSQL stores the outcomes of a round in one statement (PostgreSQL), one array
// element per notification: SENT (subject set, token erased, sent_at), a retry (status
// kept, next attempt and error set) or FAILED (token erased, error set). A notification
// that is no longer PENDING (an admin acted meanwhile) is left alone.
const recordSQL = `UPDATE notifications AS n SET
	status = v.status,
	subject = COALESCE(NULLIF(v.subject, ''), n.subject),
	sealed_token = CASE WHEN v.status = 'PENDING' THEN n.sealed_token END,
	sent_at = CASE WHEN v.status = 'SENT' THEN $1 ELSE n.sent_at END,
	next_attempt_at = COALESCE(NULLIF(v.next_at, '')::timestamptz, n.next_attempt_at),
	last_error = NULLIF(v.err, ''),
	updated_at = $1
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS v(id, status, subject, next_at, err)
WHERE n.id = v.id AND n.status = 'PENDING'`

// record stores the outcomes of a round and counts them.
func (s *Sender) record(ctx context.Context, outs []outcome) error {
	if len(outs) == 0 {
		return nil
	}
	now := s.now()
	recs := make([]recorded, len(outs))
	for i, o := range outs {
		recs[i] = s.judge(o, now)
	}
	var err error
	if s.db.Dialect == dialect.Postgres {
		err = s.recordPostgres(ctx, now, outs, recs)
	} else {
		err = s.recordPortable(ctx, now, outs, recs)
	}
	if err != nil {
		return err
	}
	if s.observer != nil {
		for i, o := range outs {
			s.observer.Notification(string(o.c.n.Kind), recs[i].label)
		}
	}
	return nil
}

func (s *Sender) recordPostgres(ctx context.Context, now time.Time, outs []outcome, recs []recorded) error {
	ids := make([]int64, len(outs))
	statuses, subjects, nexts, errs := make([]string, len(outs)), make([]string, len(outs)), make([]string, len(outs)), make([]string, len(outs))
	for i, o := range outs {
		ids[i], statuses[i], subjects[i], errs[i] = int64(o.c.n.ID), string(recs[i].status), o.subject, recs[i].lastErr
		if !recs[i].nextAt.IsZero() {
			nexts[i] = recs[i].nextAt.UTC().Format(time.RFC3339Nano)
		}
	}
	_, err := s.db.SQL.ExecContext(ctx, recordSQL, now, pq.Array(ids), pq.Array(statuses), pq.Array(subjects),
		pq.Array(nexts), pq.Array(errs))
	if err != nil {
		return fmt.Errorf("outbox: record outcomes: %w", err)
	}
	return nil
}

// recordPortable stores the outcomes through ent: the sent ones in a statement per
// subject (a batch has few: one per kind, language and launch), each failure in its own.
func (s *Sender) recordPortable(ctx context.Context, now time.Time, outs []outcome, recs []recorded) error {
	bySubject := map[string][]int{}
	var order []string
	for i, o := range outs {
		if recs[i].status != notification.StatusSENT {
			continue
		}
		if _, ok := bySubject[o.subject]; !ok {
			order = append(order, o.subject)
		}
		bySubject[o.subject] = append(bySubject[o.subject], o.c.n.ID)
	}
	for _, subject := range order {
		err := s.db.Client.Notification.Update().
			Where(notification.IDIn(bySubject[subject]...), notification.StatusEQ(notification.StatusPENDING)).
			SetStatus(notification.StatusSENT).ClearSealedToken().SetSentAt(now).SetSubject(subject).ClearLastError().
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("outbox: record sent: %w", err)
		}
	}
	for i, o := range outs {
		r := recs[i]
		if r.status == notification.StatusSENT {
			continue
		}
		upd := s.db.Client.Notification.Update().
			Where(notification.ID(o.c.n.ID), notification.StatusEQ(notification.StatusPENDING)).
			SetLastError(r.lastErr)
		if o.subject != "" {
			upd.SetSubject(o.subject)
		}
		if r.status == notification.StatusFAILED {
			upd.SetStatus(notification.StatusFAILED).ClearSealedToken()
		} else {
			upd.SetNextAttemptAt(r.nextAt)
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("outbox: record %s of %d: %w", r.label, o.c.n.ID, err)
		}
	}
	return nil
}
