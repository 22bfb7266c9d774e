// Package registration holds the rules of registering for a launch — who gets a seat, who
// waits, who is promoted — as pure functions (Decide, PlanWaitlist, Normalize,
// ValidateCapacity), and the Service that applies them exactly under concurrency.
//
// Every change to a launch's registrants runs in one transaction that first locks the
// launch row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers itself since
// the store begins transactions IMMEDIATE), then reads what it decides on, decides and
// writes. Under READ COMMITTED each statement after the lock sees every earlier change to
// the launch's registrants, so capacity, waitlist positions and the one live registration
// per address are exact; the unique index (launch_id, email_key) WHERE status <>
// 'CANCELLED' is the backstop. register reads its inputs in one statement of index lookups
// (readLive), so the lock is held for a time that does not grow with the registrations.
package registration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/idempotencykey"
	"launchgraph/ent/launch"
	"launchgraph/ent/notification"
	"launchgraph/ent/predicate"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
)

// Result is what register returns (GraphQL Registration): the registrant and the manage
// token, which is shown only here and stored only hashed.
type Result struct {
	Registrant  *ent.Registrant
	ManageToken string
}

// Seats are a launch's seat counts (GraphQL Seats); they are not personal data.
type Seats struct {
	// LaunchID is the launch counted.
	LaunchID int
	// Capacity is nil when the launch has no limit.
	Capacity   *int
	Confirmed  int
	Pending    int
	Waitlisted int
	// Remaining is nil when the launch has no limit; never negative.
	Remaining *int
}

// CacheID is the seats' stable identity for client caches: "Seats:" and the launch's id,
// which no Node id takes.
func (s Seats) CacheID() string { return "Seats:" + strconv.Itoa(s.LaunchID) }

// Promotion is a waitlisted registrant given a seat.
type Promotion struct {
	RegistrantID int
	// Status is CONFIRMED, or PENDING when the launch requires approval.
	Status registrant.Status
}

// Service registers people for launches and moderates registrations.
type Service struct {
	client      *ent.Client
	now         func() time.Time
	maxAttempts int
	// notifier, when set, is told of every registrant state change in its transaction.
	notifier Notifier
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service over client (not a transaction's client: the service opens
// its own transactions when the context carries none).
func NewService(client *ent.Client, opts ...Option) *Service {
	s := &Service{client: client, now: time.Now, maxAttempts: defaultMaxAttempts}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Register registers in.Email for launch in.LaunchID and returns the registrant and its
// manage token. Errors: BAD_USER_INPUT (with the field), CONSENT_REQUIRED, NOT_FOUND (no
// such launch visible to the viewer), REGISTRATION_CLOSED, LAUNCH_FULL, ALREADY_REGISTERED,
// IDEMPOTENCY_KEY_REUSED, UNAVAILABLE when the database stays busy.
//
// With an idempotency key, a repeated call with the same input returns the first call's
// registrant and token and writes nothing; the key is stored with the registrant in the
// same transaction.
func (s *Service) Register(ctx context.Context, in Input) (*Result, error) {
	n, err := Normalize(in)
	if err != nil {
		return nil, err
	}
	seesDrafts := authz.SeesDrafts(ctx)
	// In a transaction of the caller's (a mutation with other fields), a unique violation
	// would abort the caller's transaction: register looks before inserting there.
	joined := ent.TxFromContext(ctx) != nil
	// Public callers may register: the service decides what they may do, not the policies.
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	var res *Result
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		res, err = s.register(ctx, tx, n, seesDrafts, joined)
		return err
	})
	var dup duplicateError
	if errors.As(err, &dup) {
		// The insert met a unique index and the transaction is gone: the address or the
		// key belongs to a registration that has committed (register held the launch's
		// lock; PostgreSQL waits for an uncommitted key before reporting it). A repeat
		// with the same key gets that registration back. (In the caller's transaction,
		// now aborted, nothing more can be read.)
		if n.IdempotencyKey != "" && !joined {
			res, err := replay(ctx, s.client, n.IdempotencyKey, hashKey(n.IdempotencyKey), n.RequestHash())
			if err != nil || res != nil {
				return res, err
			}
		}
		return nil, alreadyRegistered()
	}
	if err != nil {
		return nil, err
	}
	res.Registrant = detach(res.Registrant, joined)
	return res, nil
}

// duplicateError reports that register's insert met the unique index of index.
type duplicateError struct{ index string }

func (e duplicateError) Error() string { return "registration: duplicate " + e.index }

// register registers n in tx. joined tells that tx is the caller's transaction, where it
// looks up the address and the key before inserting rather than let an index refuse them.
func (s *Service) register(ctx context.Context, tx *ent.Client, n Normalized, seesDrafts, joined bool) (*Result, error) {
	var keyHash, requestHash string
	var sealed []byte
	token, tokenHash := NewToken()
	if n.IdempotencyKey != "" {
		keyHash, requestHash = hashKey(n.IdempotencyKey), n.RequestHash()
		var err error
		if sealed, err = sealToken(n.IdempotencyKey, token, keyHash); err != nil {
			return nil, err
		}
	}

	// Everything from here to the commit holds the launch's row lock: keep it short. The
	// address and the key are not looked up: their unique indexes refuse a duplicate
	// insert, and Register sorts it out after the rollback.
	l, err := lockLaunch(ctx, tx, launch.ID(n.LaunchID))
	if err != nil {
		return nil, err
	}
	if l.Status == launch.StatusDRAFT && !seesDrafts {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "launchId", Message: "no such launch"}
	}
	if joined {
		if res, err := s.lookBefore(ctx, tx, n, keyHash, requestHash); err != nil || res != nil {
			return res, err
		}
	}
	st, err := readLive(ctx, tx, l)
	if err != nil {
		return nil, err
	}
	state := stateOf(l)
	counts := st.counts()
	if counts.Waitlisted > 0 && FreeSeats(state.Capacity, counts) != 0 {
		// Someone waits while a seat is free (the capacity grew outside the service):
		// they go first.
		var promoted []Promotion
		if promoted, counts, err = rebalance(ctx, tx, l.ID, state, counts); err != nil {
			return nil, err
		}
		if err := s.notifyPromoted(ctx, tx, promoted); err != nil {
			return nil, err
		}
	}
	now := s.now()
	out, err := Decide(state, counts, now)
	if err != nil {
		// A repeat of a call that succeeded, or an address already registered, is told so
		// rather than that the launch is full or closed by now.
		if res, lerr := s.lookBefore(ctx, tx, n, keyHash, requestHash); lerr != nil || res != nil {
			return res, lerr
		}
		return nil, err
	}
	createdAt := now.Truncate(time.Microsecond) // what PostgreSQL keeps
	if out.Status == registrant.StatusWAITLISTED && st.TailCreatedAt.Valid && !createdAt.After(st.TailCreatedAt.Time) {
		// Keep created_at strictly increasing along the waitlist whatever the clocks of the
		// servers say: readLive finds the tail as the newest waitlisted row.
		createdAt = st.TailCreatedAt.Time.Add(time.Microsecond)
	}
	create := tx.Registrant.Create().
		SetLaunchID(l.ID).
		SetName(n.Name).
		SetEmail(n.Email).
		SetEmailKey(n.EmailKey).
		SetStakeholder(n.Stakeholder).
		SetAttendance(n.Attendance).
		SetStatus(out.Status).
		SetNillableWaitlistPosition(out.WaitlistPosition).
		SetConsentAt(now).
		SetCreatedAt(createdAt).
		SetUpdatedAt(createdAt).
		SetManageTokenHash(tokenHash)
	setIf(n.Organisation, create.SetOrganisation)
	setIf(n.JobTitle, create.SetJobTitle)
	setIf(n.Country, create.SetCountry)
	setIf(n.Language, create.SetLanguage)
	r, err := create.Save(ctx)
	if err != nil {
		if uniqueViolation(err, emailIndex) {
			return nil, duplicateError{index: emailIndex}
		}
		return nil, fmt.Errorf("registration: insert registrant: %w", err)
	}
	if keyHash != "" {
		err = tx.IdempotencyKey.Create().
			SetKeyHash(keyHash).
			SetRequestHash(requestHash).
			SetRegistrantID(r.ID).
			SetSealedToken(sealed).
			SetCreatedAt(now).
			SetUpdatedAt(now).
			Exec(ctx)
		if uniqueViolation(err, idemKeyIndex) {
			return nil, duplicateError{index: idemKeyIndex}
		}
		if err != nil {
			return nil, fmt.Errorf("registration: store idempotency key: %w", err)
		}
	}
	if err := s.notify(ctx, tx, registeredKind(r.Status), r, token); err != nil {
		return nil, err
	}
	return &Result{Registrant: r, ManageToken: token}, nil
}

// lookBefore returns the stored result when the call repeats an earlier one under its
// idempotency key, IDEMPOTENCY_KEY_REUSED when the key came with another input,
// ALREADY_REGISTERED when the address holds a live registration, and nil, nil otherwise.
func (s *Service) lookBefore(ctx context.Context, tx *ent.Client, n Normalized, keyHash, requestHash string) (*Result, error) {
	if keyHash != "" {
		if res, err := replay(ctx, tx, n.IdempotencyKey, keyHash, requestHash); err != nil || res != nil {
			return res, err
		}
	}
	taken, err := tx.Registrant.Query().
		Where(registrant.LaunchID(n.LaunchID), registrant.EmailKey(n.EmailKey),
			registrant.StatusNEQ(registrant.StatusCANCELLED)).
		Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("registration: look up address: %w", err)
	}
	if taken {
		return nil, alreadyRegistered()
	}
	return nil, nil
}

func alreadyRegistered() error {
	return &apperr.Error{Code: apperr.AlreadyRegistered, Field: "email",
		Message: "this email address is already registered for the launch"}
}

// replay returns the stored result of an earlier call under the same idempotency key, nil
// when the key is new, or IDEMPOTENCY_KEY_REUSED when it came with another input.
func replay(ctx context.Context, tx *ent.Client, key, keyHash, requestHash string) (*Result, error) {
	k, err := tx.IdempotencyKey.Query().Where(idempotencykey.KeyHash(keyHash)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("registration: read idempotency key: %w", err)
	case k.RequestHash != requestHash:
		return nil, &apperr.Error{Code: apperr.IdempotencyKeyReused, Field: "idempotencyKey",
			Message: "this idempotency key was used with a different input"}
	}
	r, err := tx.Registrant.Get(ctx, k.RegistrantID)
	if err != nil {
		return nil, fmt.Errorf("registration: read registrant of idempotency key: %w", err)
	}
	token, err := openToken(key, k.SealedToken, keyHash)
	if err != nil {
		return nil, err
	}
	return &Result{Registrant: r, ManageToken: token}, nil
}

// ByToken returns the registrant whose manage token is token, read as a viewer holding that
// token (auth.WithRegistrant), or nil when no registrant has it.
func (s *Service) ByToken(ctx context.Context, token string) (*ent.Registrant, error) {
	if !wellFormedToken(token) {
		return nil, nil
	}
	client := s.clientFrom(ctx)
	id, err := client.Registrant.Query().
		Where(registrant.ManageTokenHash(HashToken(token))).
		OnlyID(privacy.DecisionContext(ctx, privacy.Allow))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registration: find by token: %w", err)
	}
	r, err := client.Registrant.Get(auth.WithRegistrant(ctx, id), id)
	if err != nil {
		return nil, fmt.Errorf("registration: read registrant: %w", err)
	}
	return r, nil
}

// Cancel cancels the registration whose manage token is token and promotes waitlisted
// registrants into a freed seat, in the same transaction. Cancelling twice returns the
// cancelled registrant. Errors: NOT_FOUND (unknown token), CONFLICT (rejected).
func (s *Service) Cancel(ctx context.Context, token string) (*ent.Registrant, error) {
	if !wellFormedToken(token) {
		return nil, notFoundToken()
	}
	hash := HashToken(token)
	joined := ent.TxFromContext(ctx) != nil
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	var out *ent.Registrant
	err := s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		l, err := lockLaunch(ctx, tx, launch.HasRegistrantsWith(registrant.ManageTokenHash(hash)))
		if apperr.CodeOf(err) == apperr.NotFound {
			return notFoundToken()
		}
		if err != nil {
			return err
		}
		r, err := tx.Registrant.Query().Where(registrant.ManageTokenHash(hash)).Only(ctx)
		if err != nil {
			return fmt.Errorf("registration: read registrant: %w", err)
		}
		switch r.Status {
		case registrant.StatusCANCELLED:
			out = r
			return nil
		case registrant.StatusREJECTED:
			return apperr.Errorf(apperr.Conflict, "a rejected registration cannot be cancelled")
		}
		out, err = s.leave(ctx, tx, l, r, tx.Registrant.UpdateOne(r).SetStatus(registrant.StatusCANCELLED))
		if err != nil {
			return err
		}
		return s.notify(ctx, tx, notification.KindCANCELLED, out, "")
	})
	if err != nil {
		return nil, err
	}
	return detach(out, joined), nil
}

// Approve confirms a PENDING registrant. Admin only (FORBIDDEN otherwise); NOT_FOUND,
// CONFLICT when not pending, LAUNCH_FULL when the capacity was lowered below the confirmed
// registrants plus this one.
func (s *Service) Approve(ctx context.Context, id int) (*ent.Registrant, error) {
	return s.moderate(ctx, id, func(ctx context.Context, tx *ent.Client, l *ent.Launch, r *ent.Registrant) (*ent.Registrant, error) {
		if r.Status != registrant.StatusPENDING {
			return nil, apperr.Errorf(apperr.Conflict, "only a PENDING registration can be approved; this one is %s", r.Status)
		}
		counts, err := countLive(ctx, tx, l.ID)
		if err != nil {
			return nil, err
		}
		if l.Capacity != nil && counts.Confirmed >= *l.Capacity {
			return nil, apperr.Errorf(apperr.LaunchFull, "every seat is confirmed: raise the capacity first")
		}
		out, err := saveRegistrant(ctx, tx.Registrant.UpdateOne(r).SetStatus(registrant.StatusCONFIRMED))
		if err != nil {
			return nil, err
		}
		return out, s.notify(ctx, tx, notification.KindAPPROVED, out, "")
	})
}

// Reject rejects a PENDING, CONFIRMED or WAITLISTED registrant with an optional reason and
// promotes from the waitlist into a freed seat. Admin only; NOT_FOUND, CONFLICT when
// already cancelled or rejected, BAD_USER_INPUT for a reason too long.
func (s *Service) Reject(ctx context.Context, id int, reason *string) (*ent.Registrant, error) {
	why, err := ValidateReason(reason)
	if err != nil {
		return nil, err
	}
	return s.moderate(ctx, id, func(ctx context.Context, tx *ent.Client, l *ent.Launch, r *ent.Registrant) (*ent.Registrant, error) {
		switch r.Status {
		case registrant.StatusCANCELLED, registrant.StatusREJECTED:
			return nil, apperr.Errorf(apperr.Conflict, "the registration is already %s", r.Status)
		}
		upd := tx.Registrant.UpdateOne(r).SetStatus(registrant.StatusREJECTED)
		if why != "" {
			upd.SetRejectionReason(why)
		} else {
			upd.ClearRejectionReason()
		}
		out, err := s.leave(ctx, tx, l, r, upd)
		if err != nil {
			return nil, err
		}
		return out, s.notify(ctx, tx, notification.KindREJECTED, out, "")
	})
}

// CheckIn records that a CONFIRMED registrant arrived; checking in twice keeps the first
// time. Admin only; NOT_FOUND, CONFLICT when not confirmed.
func (s *Service) CheckIn(ctx context.Context, id int) (*ent.Registrant, error) {
	return s.moderate(ctx, id, func(ctx context.Context, tx *ent.Client, _ *ent.Launch, r *ent.Registrant) (*ent.Registrant, error) {
		if r.Status != registrant.StatusCONFIRMED {
			return nil, apperr.Errorf(apperr.Conflict, "only a CONFIRMED registrant can check in; this one is %s", r.Status)
		}
		if r.CheckedInAt != nil {
			return r, nil
		}
		return saveRegistrant(ctx, tx.Registrant.UpdateOne(r).SetCheckedInAt(s.now()))
	})
}

// moderate runs an admin decision on registrant id with its launch locked. The changes are
// audited by the audit hook of the store's client (it records every mutation an admin
// makes, in the same transaction, under the GraphQL field's name).
func (s *Service) moderate(ctx context.Context, id int,
	fn func(ctx context.Context, tx *ent.Client, l *ent.Launch, r *ent.Registrant) (*ent.Registrant, error),
) (*ent.Registrant, error) {
	// Admins, and trusted internal code (a context without a viewer), may moderate.
	if !authz.SeesAllRegistrants(ctx) {
		return nil, apperr.Errorf(apperr.Forbidden, "this operation needs an ADMIN API key")
	}
	joined := ent.TxFromContext(ctx) != nil
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	var out *ent.Registrant
	err := s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		l, err := lockLaunch(ctx, tx, launch.HasRegistrantsWith(registrant.ID(id)))
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Errorf(apperr.NotFound, "no such registrant")
		}
		if err != nil {
			return err
		}
		r, err := tx.Registrant.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("registration: read registrant: %w", err)
		}
		out, err = fn(ctx, tx, l, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return detach(out, joined), nil
}

// leave applies upd, which takes r off its launch (cancelled or rejected), then promotes
// into a freed seat and renumbers the waitlist.
func (s *Service) leave(ctx context.Context, tx *ent.Client, l *ent.Launch, r *ent.Registrant, upd *ent.RegistrantUpdateOne) (*ent.Registrant, error) {
	if r.WaitlistPosition != nil {
		upd.ClearWaitlistPosition()
	}
	out, err := saveRegistrant(ctx, upd)
	if err != nil {
		return nil, err
	}
	counts, err := countLive(ctx, tx, l.ID)
	if err != nil {
		return nil, err
	}
	promoted, _, err := rebalance(ctx, tx, l.ID, stateOf(l), counts)
	if err != nil {
		return nil, err
	}
	if err := s.notifyPromoted(ctx, tx, promoted); err != nil {
		return nil, err
	}
	return out, nil
}

// Rebalance promotes waitlisted registrants of launch launchID in position order while
// seats are free (to CONFIRMED, or PENDING when the launch requires approval) and
// renumbers the rest of the waitlist 1..n, and returns the promotions in waitlist order.
//
// Call it after raising or removing a launch's capacity (ValidateCapacity or
// CheckCapacity having accepted the new value), in the same transaction, after the
// update: it reads the capacity from the database. tx must be that transaction's client
// (ent.FromContext(ctx) in a mutation resolver): Rebalance locks the launch row first, a
// lock the caller already holds after updating the row, and outside a transaction that
// lock would end with the statement. The promotions are audited like any change an admin
// makes.
func (s *Service) Rebalance(ctx context.Context, tx *ent.Client, launchID int) ([]Promotion, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	l, err := lockLaunch(ctx, tx, launch.ID(launchID))
	if err != nil {
		return nil, err
	}
	counts, err := countLive(ctx, tx, l.ID)
	if err != nil {
		return nil, err
	}
	promoted, _, err := rebalance(ctx, tx, l.ID, stateOf(l), counts)
	if err != nil {
		return nil, err
	}
	return promoted, s.notifyPromoted(ctx, tx, promoted)
}

// CheckCapacity locks launch launchID and checks newCap against its live registrants with
// ValidateCapacity (BAD_USER_INPUT on "capacity"). Call it before updating a launch's
// capacity, with tx the client of the transaction that makes the update, so that no
// registration slips in between.
func (s *Service) CheckCapacity(ctx context.Context, tx *ent.Client, launchID int, newCap *int) error {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	l, err := lockLaunch(ctx, tx, launch.ID(launchID))
	if err != nil {
		return err
	}
	counts, err := countLive(ctx, tx, l.ID)
	if err != nil {
		return err
	}
	return ValidateCapacity(newCap, counts.Confirmed, counts.Pending)
}

// Seats counts the live registrants of l with one grouped query. Anyone who can see the
// launch may see its seats, so the count bypasses the registrant policies.
func (s *Service) Seats(ctx context.Context, l *ent.Launch) (*Seats, error) {
	counts, err := countLive(privacy.DecisionContext(ctx, privacy.Allow), s.clientFrom(ctx), l.ID)
	if err != nil {
		return nil, err
	}
	out := &Seats{LaunchID: l.ID, Capacity: l.Capacity, Confirmed: counts.Confirmed, Pending: counts.Pending, Waitlisted: counts.Waitlisted}
	if l.Capacity != nil {
		free := FreeSeats(l.Capacity, counts)
		out.Remaining = &free
	}
	return out, nil
}

// clientFrom returns the transaction's client when ctx carries one (a mutation), so that
// reads see its writes and do not take a second pooled connection.
func (s *Service) clientFrom(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return s.client
}

// lockLaunch reads the launch matching where, locking its row until the transaction ends.
// SQLite has no row locks and needs none: its transactions take the write lock at BEGIN.
func lockLaunch(ctx context.Context, tx *ent.Client, where ...predicate.Launch) (*ent.Launch, error) {
	q := tx.Launch.Query().Where(where...)
	q.Select(launch.FieldID, launch.FieldStatus, launch.FieldEndsAt,
		launch.FieldRegistrationOpensAt, launch.FieldRegistrationClosesAt,
		launch.FieldCapacity, launch.FieldWaitlistEnabled, launch.FieldRequiresApproval)
	q.Modify(func(s *entsql.Selector) {
		if s.Dialect() != dialect.SQLite {
			s.ForUpdate()
		}
	})
	l, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "launchId", Message: "no such launch"}
	}
	if err != nil {
		return nil, fmt.Errorf("registration: lock launch: %w", err)
	}
	return l, nil
}

func stateOf(l *ent.Launch) LaunchState {
	return LaunchState{
		Status:           l.Status,
		EndsAt:           l.EndsAt,
		OpensAt:          l.RegistrationOpensAt,
		ClosesAt:         l.RegistrationClosesAt,
		Capacity:         l.Capacity,
		WaitlistEnabled:  l.WaitlistEnabled,
		RequiresApproval: l.RequiresApproval,
	}
}

// countLive counts the live registrants of a launch by status in one grouped query. It
// reads every live registrant of the launch: for seats and admin decisions, not for the
// hot path of register (see readLive).
func countLive(ctx context.Context, client *ent.Client, launchID int) (Counts, error) {
	var rows []struct {
		Status string `json:"status"`
		N      int    `json:"n"`
	}
	err := client.Registrant.Query().
		Where(registrant.LaunchID(launchID), registrant.StatusIn(
			registrant.StatusCONFIRMED, registrant.StatusPENDING, registrant.StatusWAITLISTED)).
		Modify(func(s *entsql.Selector) {
			status := s.C(registrant.FieldStatus)
			s.Select(status).AppendSelectExprAs(entsql.Raw("COUNT(*)"), "n").GroupBy(status)
		}).
		Scan(ctx, &rows)
	if err != nil {
		return Counts{}, fmt.Errorf("registration: count registrants: %w", err)
	}
	var c Counts
	for _, r := range rows {
		switch registrant.Status(r.Status) {
		case registrant.StatusCONFIRMED:
			c.Confirmed = r.N
		case registrant.StatusPENDING:
			c.Pending = r.N
		case registrant.StatusWAITLISTED:
			c.Waitlisted = r.N
		}
	}
	return c, nil
}

// rebalance applies PlanWaitlist to the launch's waitlist and returns the promotions and
// the counts after them.
func rebalance(ctx context.Context, tx *ent.Client, launchID int, l LaunchState, c Counts) ([]Promotion, Counts, error) {
	if c.Waitlisted == 0 {
		return nil, c, nil
	}
	var rows []struct {
		ID       int  `json:"id"`
		Position *int `json:"waitlist_position"`
	}
	err := tx.Registrant.Query().
		Where(registrant.LaunchID(launchID), registrant.StatusEQ(registrant.StatusWAITLISTED)).
		Order(registrant.ByWaitlistPosition(), registrant.ByID()).
		Select(registrant.FieldID, registrant.FieldWaitlistPosition).
		Scan(ctx, &rows)
	if err != nil {
		return nil, c, fmt.Errorf("registration: read waitlist: %w", err)
	}
	waitlist := make([]Waiting, len(rows))
	for i, r := range rows {
		waitlist[i] = Waiting{ID: r.ID}
		if r.Position != nil {
			waitlist[i].Position = *r.Position
		}
	}
	plan := PlanWaitlist(l, c, waitlist)
	var promoted []Promotion
	if len(plan.Promote) > 0 {
		err := tx.Registrant.Update().
			Where(registrant.IDIn(plan.Promote...)).
			SetStatus(plan.PromoteTo).
			ClearWaitlistPosition().
			Exec(ctx)
		if err != nil {
			return nil, c, fmt.Errorf("registration: promote: %w", err)
		}
		for _, id := range plan.Promote {
			promoted = append(promoted, Promotion{RegistrantID: id, Status: plan.PromoteTo})
		}
		if plan.PromoteTo == registrant.StatusPENDING {
			c.Pending += len(plan.Promote)
		} else {
			c.Confirmed += len(plan.Promote)
		}
		c.Waitlisted -= len(plan.Promote)
	}
	const chunk = 1000 // keeps the IN list well under both dialects' parameter limits
	for _, sh := range plan.Shifts {
		for i := 0; i < len(sh.IDs); i += chunk {
			ids := sh.IDs[i:min(i+chunk, len(sh.IDs))]
			err := tx.Registrant.Update().
				Where(registrant.IDIn(ids...)).
				AddWaitlistPosition(-sh.By).
				Exec(ctx)
			if err != nil {
				return nil, c, fmt.Errorf("registration: renumber waitlist: %w", err)
			}
		}
	}
	return promoted, c, nil
}

func saveRegistrant(ctx context.Context, upd *ent.RegistrantUpdateOne) (*ent.Registrant, error) {
	r, err := upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("registration: update registrant: %w", err)
	}
	return r, nil
}

func setIf(v string, set func(string) *ent.RegistrantCreate) {
	if v != "" {
		set(v)
	}
}

func notFoundToken() error {
	return apperr.Errorf(apperr.NotFound, "no registration has this token")
}
