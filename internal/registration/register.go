package registration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"launchgraph/ent"
	"launchgraph/ent/idempotencykey"
	"launchgraph/ent/launch"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/txn"
)

// request is one register call on its way through a batch: everything that can be worked
// out before the launch is locked is worked out in prepare.
type request struct {
	n          Normalized
	seesDrafts bool
	// keyHash and requestHash are "" without an idempotency key.
	keyHash, requestHash string
	token, tokenHash     string
	// sealedKey is the token sealed under the idempotency key (stored with the key),
	// sealedMail the token sealed for the outbox.
	sealedKey, sealedMail []byte
	ticket
}

// Register registers in.Email for launch in.LaunchID and returns the registrant and its
// manage token. Errors: BAD_USER_INPUT (with the field), CONSENT_REQUIRED, NOT_FOUND (no
// such launch visible to the viewer), REGISTRATION_CLOSED, LAUNCH_FULL, ALREADY_REGISTERED,
// IDEMPOTENCY_KEY_REUSED, UNAVAILABLE when the database stays busy.
//
// With an idempotency key, a repeated call with the same input returns the first call's
// registrant and token and writes nothing; the key is stored with the registrant in the
// same transaction, so a reply lost after the commit (a crash, a dropped connection) is
// recovered by calling again with the key.
//
// Calls of public and partner viewers are group-committed per launch (batch.go); a call
// inside the caller's transaction, or an admin's (whose changes are audited under its
// key), runs in a transaction of its own.
func (s *Service) Register(ctx context.Context, in Input) (*Result, error) {
	n, err := Normalize(in)
	if err != nil {
		s.observe(nil, err)
		return nil, err
	}
	req, err := s.prepare(n, authz.SeesDrafts(ctx))
	if err != nil {
		return nil, err
	}
	joined := txn.Joined(ctx)
	var out outcome
	if joined || auth.FromContext(ctx).IsAdmin() {
		out = s.registerAlone(ctx, req)
	} else {
		out = s.batches.submit(ctx, req)
	}
	if out.replayOf != 0 { // a repeat: counted the first time
		return s.replayed(ctx, req, out.replayOf, joined)
	}
	if out.err != nil {
		s.observe(nil, out.err)
		return nil, out.err
	}
	res := &Result{Registrant: out.registrant, ManageToken: out.token}
	s.observe(res, nil)
	return res, nil
}

// prepare works out what n needs besides the database: a token, hashes, sealed copies.
func (s *Service) prepare(n Normalized, seesDrafts bool) (*request, error) {
	req := &request{n: n, seesDrafts: seesDrafts}
	if n.IdempotencyKey != "" {
		req.keyHash, req.requestHash = hashKey(n.IdempotencyKey), n.RequestHash()
	}
	return req, s.newToken(req)
}

// newToken draws req's manage token and seals it.
func (s *Service) newToken(req *request) error {
	req.token, req.tokenHash = NewToken()
	var err error
	if req.keyHash != "" {
		if req.sealedKey, err = sealToken(req.n.IdempotencyKey, req.token, req.keyHash); err != nil {
			return err
		}
	}
	if s.notifier != nil {
		if req.sealedMail, err = s.notifier.Seal(req.token); err != nil {
			return fmt.Errorf("registration: seal token: %w", err)
		}
	}
	return nil
}

// registerAlone runs req in a transaction of its own (or the caller's), with ctx's viewer.
func (s *Service) registerAlone(ctx context.Context, req *request) outcome {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	outs, err := s.decideAndWrite(ctx, req.n.LaunchID, []*request{req})
	if err != nil {
		return s.afterDuplicate(ctx, req, err)
	}
	return outs[0]
}

// afterDuplicate turns the failure of a lone registration into its answer: an insert that
// met a unique index lost a race to a registration that has committed (the launch's lock
// orders those of one launch; an idempotency key is global), so the key's registration
// is the answer, else the address is taken. (In the caller's transaction, now aborted,
// nothing more can be read.)
func (s *Service) afterDuplicate(ctx context.Context, req *request, err error) outcome {
	if !isDuplicate(err) {
		return outcome{err: err}
	}
	if req.keyHash != "" && !txn.Joined(ctx) {
		k, err := s.client.IdempotencyKey.Query().Where(idempotencykey.KeyHash(req.keyHash)).Only(ctx)
		switch {
		case err == nil && k.RequestHash != req.requestHash:
			return outcome{err: keyReused()}
		case err == nil:
			return outcome{replayOf: k.RegistrantID}
		case !ent.IsNotFound(err):
			return outcome{err: fmt.Errorf("registration: read idempotency key: %w", err)}
		}
	}
	return outcome{err: AlreadyRegistered()}
}

// decideAndWrite registers reqs, all for launch launchID, in one transaction (the caller's
// when ctx has one): lock the launch's counters, read the addresses and keys the batch
// names, decide each request in order, write the registrants, the keys and the
// notifications, save the counters. It returns one outcome per request.
func (s *Service) decideAndWrite(ctx context.Context, launchID int, reqs []*request) ([]outcome, error) {
	_, outs, err := s.decideAndWriteFrom(ctx, launchID, func() []*request { return reqs })
	return outs, err
}

// decideAndWriteFrom is decideAndWrite for the requests take returns once the transaction
// holds its connection; it returns them too (none: nothing was done).
func (s *Service) decideAndWriteFrom(ctx context.Context, launchID int, take func() []*request) ([]*request, []outcome, error) {
	var reqs []*request
	var outs []outcome
	attempt := 0
	err := s.run(ctx, func(ctx context.Context, tx *ent.Client) error {
		if attempt++; attempt == 1 {
			if reqs = take(); len(reqs) == 0 {
				return errNothingToDo
			}
		} else {
			for _, r := range reqs { // a token collision: draw again
				if err := s.newToken(r); err != nil {
					return err
				}
			}
		}
		var err error
		outs, err = s.registerLocked(ctx, tx, launchID, reqs)
		return err
	})
	if errors.Is(err, errNothingToDo) {
		return nil, nil, nil
	}
	if err != nil {
		return reqs, nil, err
	}
	if !txn.Joined(ctx) {
		// Requests repeating one another share a registrant: detach each once.
		done := map[*ent.Registrant]*ent.Registrant{}
		for i, o := range outs {
			if o.registrant == nil {
				continue
			}
			if _, ok := done[o.registrant]; !ok {
				done[o.registrant] = detach(o.registrant, false)
			}
			outs[i].registrant = done[o.registrant]
		}
	}
	return reqs, outs, nil
}

// errNothingToDo rolls back a batch whose requests were all withdrawn.
var errNothingToDo = errors.New("registration: nothing to register")

// registerLocked is decideAndWrite's transaction.
func (s *Service) registerLocked(ctx context.Context, tx *ent.Client, launchID int, reqs []*request) ([]outcome, error) {
	st, err := lockSeats(ctx, tx, launch.ID(launchID))
	if apperr.CodeOf(err) == apperr.NotFound {
		return failAll(reqs, err), nil
	}
	if err != nil {
		return nil, err
	}
	if st.counts.Waitlisted > 0 && FreeSeats(st.state.Capacity, st.counts) != 0 {
		// Someone waits while a seat is free (the capacity grew outside the service):
		// they go first.
		if _, err := s.rebalance(ctx, tx, st); err != nil {
			return nil, err
		}
	}
	earlier, err := readEarlier(ctx, tx, launchID, reqs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	apps := make([]Applicant, len(reqs))
	for i, r := range reqs {
		apps[i] = Applicant{EmailKey: r.n.EmailKey, KeyHash: r.keyHash, RequestHash: r.requestHash, SeesDrafts: r.seesDrafts}
	}
	verdicts, counts := DecideBatch(st.state, st.publicVisible, st.counts, now, apps, earlier.Earlier)
	st.counts = counts
	outs, err := s.write(ctx, tx, st, now, reqs, verdicts, earlier.registrantOf)
	if err != nil {
		return nil, err
	}
	return outs, st.save(ctx, tx)
}

// earlier is Earlier with the registrant of each stored key.
type earlier struct {
	Earlier
	registrantOf map[string]int
}

// readEarlier reads, in one statement, the live registrations of the batch's addresses and
// the stored keys of its idempotency keys. Call it with the launch locked: registrations of
// the launch commit under that lock, so what it reads of the launch is final.
func readEarlier(ctx context.Context, tx *ent.Client, launchID int, reqs []*request) (earlier, error) {
	e := earlier{Earlier: Earlier{Taken: map[string]bool{}, Keys: map[string]string{}}, registrantOf: map[string]int{}}
	emails := make([]string, 0, len(reqs))
	var hashes []string
	for _, r := range reqs {
		emails = append(emails, r.n.EmailKey)
		if r.keyHash != "" {
			hashes = append(hashes, r.keyHash)
		}
	}
	var rows []struct {
		Kind         string `json:"kind"`
		Key          string `json:"k"`
		RequestHash  string `json:"r"`
		RegistrantID int    `json:"reg"`
	}
	err := tx.Registrant.Query().
		Where(registrant.LaunchID(launchID), registrant.StatusNEQ(registrant.StatusCANCELLED)).
		Modify(func(s *entsql.Selector) {
			s.Where(inList(s.Dialect(), s.C(registrant.FieldEmailKey), emails))
			s.Select().AppendSelectExprAs(entsql.Raw("'a'"), "kind").AppendSelectAs(s.C(registrant.FieldEmailKey), "k").
				AppendSelectExprAs(entsql.Raw("''"), "r").AppendSelectExprAs(entsql.Raw("0"), "reg")
			if len(hashes) == 0 {
				return
			}
			k := entsql.Table(idempotencykey.Table)
			keys := entsql.Dialect(s.Dialect()).Select().From(k).Where(inList(s.Dialect(), k.C(idempotencykey.FieldKeyHash), hashes))
			keys.AppendSelectExprAs(entsql.Raw("'k'"), "kind").AppendSelectAs(k.C(idempotencykey.FieldKeyHash), "k").
				AppendSelectAs(k.C(idempotencykey.FieldRequestHash), "r").AppendSelectAs(k.C(idempotencykey.FieldRegistrantID), "reg")
			s.UnionAll(keys)
		}).
		Scan(ctx, &rows)
	if err != nil {
		return e, fmt.Errorf("registration: look up addresses and keys: %w", err)
	}
	for _, r := range rows {
		if r.Kind == "a" {
			e.Taken[r.Key] = true
		} else {
			e.Keys[r.Key], e.registrantOf[r.Key] = r.RequestHash, r.RegistrantID
		}
	}
	return e, nil
}

// inList matches column against values: = ANY($n) with one array parameter on PostgreSQL
// (one statement text whatever the batch size, which the server plans once), IN (…)
// elsewhere.
func inList(dialectName, column string, values []string) *entsql.Predicate {
	if dialectName == dialect.Postgres {
		return entsql.P(func(b *entsql.Builder) {
			b.WriteString(column).WriteString(" = ANY(").Arg(pq.Array(values)).WriteString(")")
		})
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return entsql.In(column, args...)
}

// write stores the registrants verdicts accept, their keys and notifications, and turns
// the verdicts into outcomes.
func (s *Service) write(ctx context.Context, tx *ent.Client, st *seats, now time.Time,
	reqs []*request, verdicts []Verdict, registrantOf map[string]int,
) ([]outcome, error) {
	var creates []*ent.RegistrantCreate
	var made []int // request index of each create
	for i, v := range verdicts {
		if v.Registers() {
			creates = append(creates, s.newRegistrant(tx, st, now, reqs[i], v.Outcome))
			made = append(made, i)
		}
	}
	outs := make([]outcome, len(reqs))
	if len(creates) > 0 {
		rs, err := tx.Registrant.CreateBulk(creates...).Save(ctx)
		if err != nil {
			if uniqueViolation(err, emailIndex) || uniqueViolation(err, idemKeyIndex) {
				return nil, duplicateError{err: err}
			}
			return nil, fmt.Errorf("registration: insert registrants: %w", err)
		}
		for j, r := range rs {
			outs[made[j]] = outcome{registrant: r, token: reqs[made[j]].token}
		}
		if err := s.storeKeys(ctx, tx, now, reqs, made, rs); err != nil {
			return nil, err
		}
		if err := s.notifyRegistered(ctx, tx, reqs, made, rs); err != nil {
			return nil, err
		}
	}
	for i, v := range verdicts {
		switch {
		case v.Err != nil:
			outs[i].err = v.Err
		case v.Replay:
			outs[i].replayOf = registrantOf[reqs[i].keyHash]
		case v.SameAs >= 0:
			outs[i] = outs[v.SameAs]
		}
	}
	return outs, nil
}

func (s *Service) newRegistrant(tx *ent.Client, st *seats, now time.Time, req *request, o Outcome) *ent.RegistrantCreate {
	createdAt := now.Truncate(time.Microsecond) // what PostgreSQL keeps
	if o.Status == registrant.StatusWAITLISTED {
		createdAt = st.waitlistCreatedAt(now)
	}
	n := req.n
	create := tx.Registrant.Create().
		SetLaunchID(st.launchID).
		SetName(n.Name).
		SetEmail(n.Email).
		SetEmailKey(n.EmailKey).
		SetStakeholder(n.Stakeholder).
		SetAttendance(n.Attendance).
		SetStatus(o.Status).
		SetNillableWaitlistPosition(o.WaitlistPosition).
		SetConsentAt(now).
		SetCreatedAt(createdAt).
		SetUpdatedAt(createdAt).
		SetManageTokenHash(req.tokenHash)
	setIf(n.Organisation, create.SetOrganisation)
	setIf(n.JobTitle, create.SetJobTitle)
	setIf(n.Country, create.SetCountry)
	setIf(n.Language, create.SetLanguage)
	return create
}

// storeKeys stores the idempotency keys of the registered requests.
func (s *Service) storeKeys(ctx context.Context, tx *ent.Client, now time.Time, reqs []*request, made []int, rs []*ent.Registrant) error {
	var keys []*ent.IdempotencyKeyCreate
	for j, i := range made {
		r := reqs[i]
		if r.keyHash == "" {
			continue
		}
		keys = append(keys, tx.IdempotencyKey.Create().
			SetKeyHash(r.keyHash).
			SetRequestHash(r.requestHash).
			SetRegistrantID(rs[j].ID).
			SetSealedToken(r.sealedKey).
			SetCreatedAt(now).
			SetUpdatedAt(now))
	}
	if len(keys) == 0 {
		return nil
	}
	err := tx.IdempotencyKey.CreateBulk(keys...).Exec(ctx)
	if uniqueViolation(err, idemKeyIndex) {
		return duplicateError{err: err}
	}
	if err != nil {
		return fmt.Errorf("registration: store idempotency keys: %w", err)
	}
	return nil
}

// replayed answers a repeated call with the registration stored under its key.
func (s *Service) replayed(ctx context.Context, req *request, registrantID int, joined bool) (*Result, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	client := s.client
	if joined {
		client = s.clientFrom(ctx)
	}
	k, err := client.IdempotencyKey.Query().Where(idempotencykey.KeyHash(req.keyHash)).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("registration: read idempotency key: %w", err)
	}
	r, err := client.Registrant.Get(ctx, registrantID)
	if err != nil {
		return nil, fmt.Errorf("registration: read registrant of idempotency key: %w", err)
	}
	token, err := openToken(req.n.IdempotencyKey, k.SealedToken, req.keyHash)
	if err != nil {
		return nil, err
	}
	return &Result{Registrant: r, ManageToken: token}, nil
}

// observe counts a register outcome.
func (s *Service) observe(res *Result, err error) {
	if s.observer == nil {
		return
	}
	if err != nil {
		switch code := apperr.CodeOf(err); code {
		case apperr.Internal, apperr.Unavailable:
		default:
			s.observer.Registration("rejected", string(code))
		}
		return
	}
	switch res.Registrant.Status {
	case registrant.StatusCONFIRMED:
		s.observer.Registration("confirmed", "")
	case registrant.StatusWAITLISTED:
		s.observer.Registration("waitlisted", "")
	case registrant.StatusPENDING:
		s.observer.Registration("pending", "")
	}
}

// duplicateError reports that an insert met the unique index of an address or a key.
type duplicateError struct{ err error }

func (e duplicateError) Error() string { return "registration: duplicate: " + e.err.Error() }
func (e duplicateError) Unwrap() error { return e.err }

func isDuplicate(err error) bool {
	var d duplicateError
	return errors.As(err, &d)
}

func failAll(reqs []*request, err error) []outcome {
	outs := make([]outcome, len(reqs))
	for i := range outs {
		outs[i].err = err
	}
	return outs
}

func setIf(v string, set func(string) *ent.RegistrantCreate) {
	if v != "" {
		set(v)
	}
}
