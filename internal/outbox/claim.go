package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/registrant"
	"launchgraph/internal/txn"
)

// claimed is a notification the sender holds a lease on, with what rendering it needs of
// its registrant (the rest comes from what the notification recorded).
type claimed struct {
	n *ent.Notification
	// found is false when the registrant is gone.
	found bool
	// name, status and position are the registrant's now (status and position for a
	// notification that did not record them).
	name     string
	status   string
	position *int
	// launchID is the registrant's launch; launchUpdated its updated_at when the claim
	// read it (zero when it did not: SQLite), to reuse a launch read by an earlier batch.
	launchID      int
	launchUpdated time.Time
}

// claimSQL takes a lease on up to $3 due notifications in one statement (PostgreSQL): the
// rows are picked and locked with SKIP LOCKED, so that concurrent senders (replicas) take
// disjoint batches, then attempts+1 and next_attempt_at = now+lease hide them from every
// sender until the lease runs out. The registrant's name and launch come with them.
const claimSQL = `WITH due AS (
	SELECT id FROM notifications
	WHERE status = 'PENDING' AND next_attempt_at <= $1
	ORDER BY next_attempt_at, id
	LIMIT $3
	FOR UPDATE SKIP LOCKED
), leased AS (
	UPDATE notifications AS n
	SET attempts = n.attempts + 1, next_attempt_at = $2, updated_at = $1
	FROM due WHERE n.id = due.id
	RETURNING n.id, n.kind, n.recipient, n.language, n.registrant_status, n.waitlist_position,
		n.registrant_id, n.sealed_token, n.attempts
)
SELECT leased.*, r.id IS NOT NULL, COALESCE(r.name, ''), COALESCE(r.status, ''), r.waitlist_position,
	COALESCE(r.launch_id, 0), l.updated_at
FROM leased
LEFT JOIN registrants AS r ON r.id = leased.registrant_id
LEFT JOIN launches AS l ON l.id = r.launch_id
ORDER BY leased.id`

// claim takes a lease on up to Batch due notifications: one statement on PostgreSQL; on
// SQLite (one sender) a transaction that selects and updates, then a read of the
// registrants.
func (s *Sender) claim(ctx context.Context) ([]claimed, error) {
	now := s.now()
	if s.db.Dialect != dialect.Postgres {
		return s.claimPortable(ctx, now)
	}
	rows, err := s.db.SQL.QueryContext(ctx, claimSQL, now, now.Add(s.cfg.Lease), s.cfg.Batch)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	defer rows.Close()
	var out []claimed
	for rows.Next() {
		c, err := scanClaimed(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: claim: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return out, nil
}

// scanClaimed reads a row of claimSQL.
func scanClaimed(rows *sql.Rows) (claimed, error) {
	var (
		n       ent.Notification
		status  sql.NullString
		pos     sql.NullInt64
		regID   sql.NullInt64
		sealed  []byte
		c       = claimed{n: &n}
		rpos    sql.NullInt64
		updated sql.NullTime
	)
	err := rows.Scan(&n.ID, &n.Kind, &n.Recipient, &n.Language, &status, &pos, &regID, &sealed, &n.Attempts,
		&c.found, &c.name, &c.status, &rpos, &c.launchID, &updated)
	if err != nil {
		return claimed{}, err
	}
	if rpos.Valid {
		p := int(rpos.Int64)
		c.position = &p
	}
	if status.Valid {
		n.RegistrantStatus = &status.String
	}
	if pos.Valid {
		p := int(pos.Int64)
		n.WaitlistPosition = &p
	}
	if regID.Valid {
		id := int(regID.Int64)
		n.RegistrantID = &id
	}
	if sealed != nil {
		n.SealedToken = &sealed
	}
	n.Status = notification.StatusPENDING
	c.launchUpdated = updated.Time
	return c, nil
}

// claimPortable claims through ent in a transaction (SQLite serialises its writers, and
// one sender runs there), then reads the batch's registrants.
func (s *Sender) claimPortable(ctx context.Context, now time.Time) ([]claimed, error) {
	var batch []*ent.Notification
	err := txn.Run(ctx, s.db.Client, txn.Policy{MaxAttempts: 1}, func(ctx context.Context, tx *ent.Client) error {
		var err error
		batch, err = tx.Notification.Query().
			Where(notification.StatusEQ(notification.StatusPENDING), notification.NextAttemptAtLTE(now)).
			Order(notification.ByNextAttemptAt(), notification.ByID()).
			Limit(s.cfg.Batch).
			All(ctx)
		if err != nil || len(batch) == 0 {
			return err
		}
		ids := make([]int, len(batch))
		for i, n := range batch {
			ids[i] = n.ID
			n.Attempts++
		}
		return tx.Notification.Update().
			Where(notification.IDIn(ids...)).
			AddAttempts(1).
			SetNextAttemptAt(now.Add(s.cfg.Lease)).
			Exec(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	slices.SortFunc(batch, func(a, b *ent.Notification) int { return a.ID - b.ID })
	return s.withRegistrants(ctx, batch)
}

// withRegistrants reads what claimed needs of the registrants of batch.
func (s *Sender) withRegistrants(ctx context.Context, batch []*ent.Notification) ([]claimed, error) {
	var ids []int
	for _, n := range batch {
		if n.RegistrantID != nil {
			ids = append(ids, *n.RegistrantID)
		}
	}
	rs, err := s.db.Client.Registrant.Query().Where(registrant.IDIn(ids...)).
		Select(registrant.FieldName, registrant.FieldStatus, registrant.FieldWaitlistPosition, registrant.FieldLaunchID).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: read registrants: %w", err)
	}
	byID := make(map[int]*ent.Registrant, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
	}
	out := make([]claimed, len(batch))
	for i, n := range batch {
		out[i] = claimed{n: n}
		if n.RegistrantID != nil && byID[*n.RegistrantID] != nil {
			r := byID[*n.RegistrantID]
			out[i].found, out[i].name, out[i].launchID = true, r.Name, r.LaunchID
			out[i].status, out[i].position = string(r.Status), r.WaitlistPosition
		}
	}
	return out, nil
}
