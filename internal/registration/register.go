package registration

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"launchgraph/ent"
	"launchgraph/ent/idempotencykey"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/store"
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
// Calls of public and partner viewers are group-committed (batch.go); a call
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
	outs, err := s.decideAndWrite(ctx, []*request{req})
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

// decideAndWrite registers reqs, of one launch or several, in one transaction (the
// caller's when ctx has one): lock the launches' counters, read the addresses and keys the
// batch names, decide each launch's requests in order, write the registrants, the keys
// and the notifications, save the counters. It returns one outcome per request.
func (s *Service) decideAndWrite(ctx context.Context, reqs []*request) ([]outcome, error) {
	_, outs, err := s.decideAndWriteFrom(ctx, func() []*request { return reqs })
	return outs, err
}

// decideAndWriteFrom is decideAndWrite for the requests take returns once the transaction
// holds its connection; it returns them too (none: nothing was done).
func (s *Service) decideAndWriteFrom(ctx context.Context, take func() []*request) ([]*request, []outcome, error) {
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
		outs, err = s.registerLocked(ctx, tx, reqs)
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

// registerLocked is decideAndWrite's transaction: a constant number of statements however
// many requests and launches the batch has (lock, look up, insert the registrants and the
// notifications, save the counters — inserting the keys in the same statement on
// PostgreSQL, in one more on SQLite), plus a rebalance for a launch where someone waits
// while a seat is free.
func (s *Service) registerLocked(ctx context.Context, tx *ent.Client, reqs []*request) ([]outcome, error) {
	groups := byLaunch(reqs)
	ids := make([]int, len(groups))
	for i, g := range groups {
		ids[i] = g.launchID
	}
	locked, err := lockLaunches(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		st := locked.seats[id]
		if st != nil && st.counts.Waitlisted > 0 && FreeSeats(st.state.Capacity, st.counts) != 0 {
			// Someone waits while a seat is free (the capacity grew outside the service):
			// they go first.
			if _, err := s.rebalance(ctx, tx, st); err != nil {
				return nil, err
			}
		}
	}
	earlier, err := readEarlier(ctx, tx, ids, reqs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	verdicts := decideLaunches(locked, groups, reqs, now, earlier)
	outs, err := s.write(ctx, tx, locked, now, reqs, verdicts, earlier.registrantOf)
	if err != nil {
		return nil, err
	}
	return outs, locked.save(ctx, tx)
}

// launchGroup is the requests of one launch in a batch: their indexes, in arrival order.
type launchGroup struct {
	launchID int
	idx      []int
}

// byLaunch groups reqs by launch, the launches in ascending id order (the order they are
// locked and decided in).
func byLaunch(reqs []*request) []launchGroup {
	at := map[int]int{}
	var groups []launchGroup
	for i, r := range reqs {
		id := r.n.LaunchID
		j, ok := at[id]
		if !ok {
			j = len(groups)
			at[id] = j
			groups = append(groups, launchGroup{launchID: id})
		}
		groups[j].idx = append(groups[j].idx, i)
	}
	slices.SortFunc(groups, func(a, b launchGroup) int { return cmp.Compare(a.launchID, b.launchID) })
	return groups
}

// decideLaunches decides each launch's requests with DecideBatch, as if the launches'
// batches had come one after the other in id order: an idempotency key registered for one
// launch is a stored key to the next (IDEMPOTENCY_KEY_REUSED there, the key being global).
// The verdicts are indexed by request (SameAs too). A launch that was not found is
// NOT_FOUND for each of its requests.
func decideLaunches(locked *lockedSeats, groups []launchGroup, reqs []*request, now time.Time, e earlier) []Verdict {
	verdicts := make([]Verdict, len(reqs))
	for _, g := range groups {
		st := locked.seats[g.launchID]
		if st == nil {
			for _, i := range g.idx {
				verdicts[i] = Verdict{Err: noSuchLaunch(), SameAs: -1}
			}
			continue
		}
		apps := make([]Applicant, len(g.idx))
		for j, i := range g.idx {
			r := reqs[i]
			apps[j] = Applicant{EmailKey: r.n.EmailKey, KeyHash: r.keyHash, RequestHash: r.requestHash, SeesDrafts: r.seesDrafts}
		}
		vs, counts := DecideBatch(st.state, st.publicVisible, st.counts, now, apps, Earlier{Taken: e.taken[g.launchID], Keys: e.keys})
		st.counts = counts
		for j, v := range vs {
			i := g.idx[j]
			if v.SameAs >= 0 {
				v.SameAs = g.idx[v.SameAs]
			}
			verdicts[i] = v
			if v.Registers() && reqs[i].keyHash != "" {
				e.keys[reqs[i].keyHash] = reqs[i].requestHash
			}
		}
	}
	return verdicts
}

// earlier is what readEarlier found: the addresses taken per launch, the stored keys with
// their request hashes, and the registrant of each stored key.
type earlier struct {
	taken        map[int]map[string]bool
	keys         map[string]string
	registrantOf map[string]int
}

// readEarlier reads, in one statement, the live registrations of the batch's addresses at
// its launches and the stored keys of its idempotency keys. Call it with the launches
// locked: registrations of a launch commit under its lock, so what it reads of them is
// final. (It matches every address against every launch of the batch and keeps the
// pairs the batch has: one statement text whatever the batch.)
func readEarlier(ctx context.Context, tx *ent.Client, launchIDs []int, reqs []*request) (earlier, error) {
	e := earlier{taken: map[int]map[string]bool{}, keys: map[string]string{}, registrantOf: map[string]int{}}
	emails := make([]string, 0, len(reqs))
	asked := map[int]map[string]bool{}
	var hashes []string
	for _, r := range reqs {
		if asked[r.n.LaunchID] == nil {
			asked[r.n.LaunchID] = map[string]bool{}
		}
		if !asked[r.n.LaunchID][r.n.EmailKey] {
			asked[r.n.LaunchID][r.n.EmailKey] = true
			emails = append(emails, r.n.EmailKey)
		}
		if r.keyHash != "" {
			hashes = append(hashes, r.keyHash)
		}
	}
	var rows []struct {
		Kind        string `json:"kind"`
		Key         string `json:"k"`
		RequestHash string `json:"r"`
		// ID is the launch of an address, the registrant of a key.
		ID int `json:"reg"`
	}
	err := tx.Registrant.Query().
		Modify(func(s *entsql.Selector) {
			s.Where(entsql.And(store.InInts(s.Dialect(), s.C(registrant.FieldLaunchID), launchIDs),
				store.InStrings(s.Dialect(), s.C(registrant.FieldEmailKey), emails), liveStatus(s)))
			if s.Dialect() == dialect.Postgres {
				// Planned per batch: a plan cached while the launch had a page of
				// registrants would scan them all as they grow to thousands.
				s.Prefix(entsql.Raw(store.UncachedComment))
			}
			s.Select().AppendSelectExprAs(entsql.Raw("'a'"), "kind").AppendSelectAs(s.C(registrant.FieldEmailKey), "k").
				AppendSelectExprAs(entsql.Raw("''"), "r").AppendSelectAs(s.C(registrant.FieldLaunchID), "reg")
			if len(hashes) > 0 {
				s.UnionAll(storedKeys(s.Dialect(), hashes))
			}
		}).
		Scan(ctx, &rows)
	if err != nil {
		return e, fmt.Errorf("registration: look up addresses and keys: %w", err)
	}
	for _, r := range rows {
		switch {
		case r.Kind == "k":
			e.keys[r.Key], e.registrantOf[r.Key] = r.RequestHash, r.ID
		case asked[r.ID][r.Key]:
			if e.taken[r.ID] == nil {
				e.taken[r.ID] = map[string]bool{}
			}
			e.taken[r.ID][r.Key] = true
		}
	}
	return e, nil
}

// storedKeys selects the stored keys of hashes as readEarlier's rows.
func storedKeys(dialectName string, hashes []string) *entsql.Selector {
	k := entsql.Table(idempotencykey.Table)
	keys := entsql.Dialect(dialectName).Select().From(k).Where(store.InStrings(dialectName, k.C(idempotencykey.FieldKeyHash), hashes))
	keys.AppendSelectExprAs(entsql.Raw("'k'"), "kind").AppendSelectAs(k.C(idempotencykey.FieldKeyHash), "k").
		AppendSelectAs(k.C(idempotencykey.FieldRequestHash), "r").AppendSelectAs(k.C(idempotencykey.FieldRegistrantID), "reg")
	return keys
}

// liveStatus matches the live registrants with the status as a literal, status <>
// 'CANCELLED': the very predicate of the partial unique index on (launch_id, email_key),
// which the planner can then use in a generic plan too (with the status as a parameter a
// generic plan cannot prove the index's predicate and reads every registrant of the
// launch instead: 6.3 ms instead of 0.05 ms at 14,000 registrants).
func liveStatus(s *entsql.Selector) *entsql.Predicate {
	return entsql.ExprP(s.C(registrant.FieldStatus) + " <> '" + string(registrant.StatusCANCELLED) + "'")
}

// write stores the registrants verdicts accept, their keys (or leaves them to locked.save,
// see storeKeys) and notifications, and turns the verdicts into outcomes.
func (s *Service) write(ctx context.Context, tx *ent.Client, locked *lockedSeats, now time.Time,
	reqs []*request, verdicts []Verdict, registrantOf map[string]int,
) ([]outcome, error) {
	var creates []*ent.RegistrantCreate
	var made []int // request index of each create
	for i, v := range verdicts {
		if v.Registers() {
			creates = append(creates, s.newRegistrant(tx, locked.seats[reqs[i].n.LaunchID], now, reqs[i], v.Outcome))
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
		if err := s.storeKeys(ctx, tx, locked, now, reqs, made, rs); err != nil {
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

// storeKeys stores the idempotency keys of the registered requests. On PostgreSQL, unless
// the viewer is an admin (whose changes are audited through ent's hooks), it leaves them
// to locked.save, which inserts them in the statement that saves the counters.
func (s *Service) storeKeys(ctx context.Context, tx *ent.Client, locked *lockedSeats, now time.Time,
	reqs []*request, made []int, rs []*ent.Registrant,
) error {
	keys := &keyRows{at: now}
	for j, i := range made {
		if r := reqs[i]; r.keyHash != "" {
			keys.add(r.keyHash, r.requestHash, rs[j].ID, r.sealedKey)
		}
	}
	if len(keys.hashes) == 0 {
		return nil
	}
	if locked.dialect == dialect.Postgres && !auth.FromContext(ctx).IsAdmin() {
		locked.keys = keys
		return nil
	}
	return keys.insert(ctx, tx)
}

// keyRows are idempotency keys to store, all made at one time.
type keyRows struct {
	at               time.Time
	hashes, requests []string
	registrants      []int64
	sealed           [][]byte
}

func (k *keyRows) add(hash, request string, registrantID int, sealed []byte) {
	k.hashes, k.requests = append(k.hashes, hash), append(k.requests, request)
	k.registrants, k.sealed = append(k.registrants, int64(registrantID)), append(k.sealed, sealed)
}

// insert stores the keys through ent, in one statement.
func (k *keyRows) insert(ctx context.Context, tx *ent.Client) error {
	creates := make([]*ent.IdempotencyKeyCreate, len(k.hashes))
	for i := range k.hashes {
		creates[i] = tx.IdempotencyKey.Create().SetKeyHash(k.hashes[i]).SetRequestHash(k.requests[i]).
			SetRegistrantID(int(k.registrants[i])).SetSealedToken(k.sealed[i]).SetCreatedAt(k.at).SetUpdatedAt(k.at)
	}
	err := tx.IdempotencyKey.CreateBulk(creates...).Exec(ctx)
	if uniqueViolation(err, idemKeyIndex) {
		return duplicateError{err: err}
	}
	if err != nil {
		return fmt.Errorf("registration: store idempotency keys: %w", err)
	}
	return nil
}

// insertCTE is the keys' insert as the data-modifying WITH of another statement on
// PostgreSQL, one array per column (one text whatever their number): the values ent's
// insert would store (created_at and updated_at both at).
func (k *keyRows) insertCTE() entsql.Querier {
	return entsql.ExprFunc(func(b *entsql.Builder) {
		b.WriteString(`WITH "lg_keys" AS (INSERT INTO `).Ident(idempotencykey.Table).WriteString(" (").
			IdentComma(idempotencykey.FieldCreatedAt, idempotencykey.FieldUpdatedAt, idempotencykey.FieldKeyHash,
				idempotencykey.FieldRequestHash, idempotencykey.FieldRegistrantID, idempotencykey.FieldSealedToken).
			WriteString(") SELECT ").Arg(k.at).WriteString("::timestamptz, ").Arg(k.at).WriteString("::timestamptz, * FROM unnest(").
			Arg(pq.Array(k.hashes)).WriteString("::text[], ").Arg(pq.Array(k.requests)).WriteString("::text[], ").
			Arg(pq.Array(k.registrants)).WriteString("::bigint[], ").Arg(pq.ByteaArray(k.sealed)).WriteString("::bytea[]))")
	})
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
