package registration

import (
	"time"

	"launchgraph/ent/launch"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
)

// LaunchState is what the registration rules need to know about a launch.
type LaunchState struct {
	Status launch.Status
	EndsAt time.Time
	// OpensAt and ClosesAt bound the registration window; nil is an open bound.
	OpensAt, ClosesAt *time.Time
	// Capacity is the number of seats; nil means unlimited.
	Capacity         *int
	WaitlistEnabled  bool
	RequiresApproval bool
}

// Counts are the live registrants of a launch by status. Cancelled and rejected
// registrants hold nothing and are not counted.
type Counts struct {
	Confirmed, Pending, Waitlisted int
}

// Seated is the number of seats taken: a pending registrant holds a seat until approved
// or rejected.
func (c Counts) Seated() int { return c.Confirmed + c.Pending }

// FreeSeats returns how many seats are free, or -1 when the launch has no limit. It is
// never below zero, even after the capacity was lowered below the pending registrants.
func FreeSeats(capacity *int, c Counts) int {
	if capacity == nil {
		return -1
	}
	return max(0, *capacity-c.Seated())
}

// Outcome is the status a new registrant gets.
type Outcome struct {
	Status registrant.Status
	// WaitlistPosition is set for WAITLISTED: the next position, 1 for the first.
	WaitlistPosition *int
}

// CheckOpen returns REGISTRATION_CLOSED unless l accepts registrations at now: PUBLISHED,
// not ended, and now inside [OpensAt, ClosesAt].
func CheckOpen(l LaunchState, now time.Time) error {
	switch {
	case l.Status != launch.StatusPUBLISHED:
		return apperr.Errorf(apperr.RegistrationClosed, "the launch is not open for registration")
	case !now.Before(l.EndsAt):
		return apperr.Errorf(apperr.RegistrationClosed, "the launch has ended")
	case l.OpensAt != nil && now.Before(*l.OpensAt):
		return apperr.Errorf(apperr.RegistrationClosed, "registration opens at %s", l.OpensAt.UTC().Format(time.RFC3339))
	case l.ClosesAt != nil && now.After(*l.ClosesAt):
		return apperr.Errorf(apperr.RegistrationClosed, "registration closed at %s", l.ClosesAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// SeatStatus is the status of a registrant who gets a seat: PENDING when the launch
// requires approval (the seat is held until an admin decides), else CONFIRMED.
func SeatStatus(l LaunchState) registrant.Status {
	if l.RequiresApproval {
		return registrant.StatusPENDING
	}
	return registrant.StatusCONFIRMED
}

// Decide returns the outcome of a new registration for l, whose live registrants are c, at
// now. A free seat gives SeatStatus(l) (PENDING counts against capacity, so approving never
// overbooks); a full launch puts the registrant on its waitlist when enabled, else fails
// with LAUNCH_FULL. A launch not accepting registrations fails with REGISTRATION_CLOSED.
//
// Decide assumes nobody waits while a seat is free; the service promotes before deciding
// when that is not so (e.g. after a capacity increase made outside the service).
func Decide(l LaunchState, c Counts, now time.Time) (Outcome, error) {
	if err := CheckOpen(l, now); err != nil {
		return Outcome{}, err
	}
	if FreeSeats(l.Capacity, c) != 0 {
		return Outcome{Status: SeatStatus(l)}, nil
	}
	if l.WaitlistEnabled {
		pos := c.Waitlisted + 1
		return Outcome{Status: registrant.StatusWAITLISTED, WaitlistPosition: &pos}, nil
	}
	return Outcome{}, apperr.Errorf(apperr.LaunchFull, "the launch is full")
}

// CheckApprove returns LAUNCH_FULL when approving a pending registrant of l, whose live
// registrants are c, would confirm more registrants than l has seats: every seat is
// confirmed already (possible after the capacity was lowered below confirmed+pending).
func CheckApprove(l LaunchState, c Counts) error {
	if l.Capacity != nil && c.Confirmed >= *l.Capacity {
		return apperr.Errorf(apperr.LaunchFull, "every seat is confirmed: raise the capacity first")
	}
	return nil
}

// Add counts one more registrant of status st.
func (c *Counts) Add(st registrant.Status, n int) {
	switch st {
	case registrant.StatusCONFIRMED:
		c.Confirmed += n
	case registrant.StatusPENDING:
		c.Pending += n
	case registrant.StatusWAITLISTED:
		c.Waitlisted += n
	}
}

// Applicant is one registration of a batch, as the rules see it.
type Applicant struct {
	// EmailKey is the lower-cased address: one live registration per launch and key.
	EmailKey string
	// KeyHash is the stored form of the idempotency key, "" without one; RequestHash is
	// that of the normalised input.
	KeyHash, RequestHash string
	// SeesDrafts tells that the caller may see a DRAFT launch (a partner or an admin).
	SeesDrafts bool
}

// Earlier is what the launch already holds, read with the launch locked: the addresses of
// its live registrations and the stored idempotency keys of the batch (key hash → request
// hash).
type Earlier struct {
	Taken map[string]bool
	Keys  map[string]string
}

// Verdict is the decision on one applicant of a batch: exactly one of Err, Replay,
// SameAs >= 0 and Outcome applies.
type Verdict struct {
	Err error
	// Replay tells that the applicant repeats a registration stored under its key: the
	// stored registration is the answer.
	Replay bool
	// SameAs is the index of an earlier applicant of the batch that this one repeats
	// (same key, same input), whose answer it shares; -1 otherwise.
	SameAs int
	// Outcome is the new registration's status, when the applicant is registered.
	Outcome Outcome
}

// Registers reports whether the verdict registers its applicant.
func (v Verdict) Registers() bool { return v.Err == nil && !v.Replay && v.SameAs < 0 }

// DecideBatch decides applicants for launch l, whose live registrants are c, at now, one
// after the other as if each had come alone in that order, and returns their verdicts
// and the counts after the registered ones. publicVisible tells whether the public may see
// l (authz.VisibleLaunch). For each applicant, in order:
//   - a launch its caller may not see is NOT_FOUND (as if it did not exist);
//   - a stored idempotency key answers with its registration (IDEMPOTENCY_KEY_REUSED when
//     it came with another input), a key repeated within the batch shares the earlier
//     applicant's answer;
//   - an address with a live registration, stored or earlier in the batch, is
//     ALREADY_REGISTERED;
//   - otherwise Decide decides, with the counts of the applicants registered before it.
func DecideBatch(l LaunchState, publicVisible bool, c Counts, now time.Time, apps []Applicant, e Earlier) ([]Verdict, Counts) {
	b := batchRules{l: l, visible: publicVisible, c: c, now: now, e: e, apps: apps,
		out: make([]Verdict, len(apps)), firstKey: map[string]int{}, taken: map[string]bool{}}
	for i, a := range apps {
		b.out[i] = b.decide(a)
		if _, seen := b.firstKey[a.KeyHash]; a.KeyHash != "" && !seen {
			b.firstKey[a.KeyHash] = i
		}
		if b.out[i].Registers() {
			b.taken[a.EmailKey] = true
		}
	}
	return b.out, b.c
}

// batchRules is DecideBatch's state: the counts so far, the verdicts so far, the first
// applicant of each key and the addresses registered by the batch.
type batchRules struct {
	l        LaunchState
	visible  bool
	c        Counts
	now      time.Time
	e        Earlier
	apps     []Applicant
	out      []Verdict
	firstKey map[string]int
	taken    map[string]bool
}

func (b *batchRules) decide(a Applicant) Verdict {
	fail := func(err error) Verdict { return Verdict{Err: err, SameAs: -1} }
	if !b.visible && !a.SeesDrafts {
		return fail(&apperr.Error{Code: apperr.NotFound, Field: "launchId", Message: "no such launch"})
	}
	if stored, ok := b.e.Keys[a.KeyHash]; ok && a.KeyHash != "" {
		if stored != a.RequestHash {
			return fail(keyReused())
		}
		return Verdict{Replay: true, SameAs: -1}
	}
	if j, ok := b.firstKey[a.KeyHash]; ok && a.KeyHash != "" {
		if b.apps[j].RequestHash != a.RequestHash {
			return fail(keyReused())
		}
		if v := b.out[j]; !v.Registers() {
			return v // the same error, or the same replay
		}
		return Verdict{SameAs: j}
	}
	if b.e.Taken[a.EmailKey] || b.taken[a.EmailKey] {
		return fail(AlreadyRegistered())
	}
	o, err := Decide(b.l, b.c, b.now)
	if err != nil {
		return fail(err)
	}
	b.c.Add(o.Status, 1)
	return Verdict{SameAs: -1, Outcome: o}
}

// AlreadyRegistered is the error of an address that holds a live registration.
func AlreadyRegistered() error {
	return &apperr.Error{Code: apperr.AlreadyRegistered, Field: "email",
		Message: "this email address is already registered for the launch"}
}

func keyReused() error {
	return &apperr.Error{Code: apperr.IdempotencyKeyReused, Field: "idempotencyKey",
		Message: "this idempotency key was used with a different input"}
}

// ValidateCapacity checks a new capacity for a launch that has confirmed and pending
// registrants: nil (unlimited) is always fine; a negative number, or fewer seats than
// confirmed registrants, is BAD_USER_INPUT on the field "capacity".
//
// Lowering the capacity below confirmed+pending is allowed (the issue only forbids going
// below confirmed): the pending registrants keep their place, approving one of them fails
// with LAUNCH_FULL until a seat frees up, and nobody is promoted meanwhile. pending is taken
// so that callers pass what they counted and the rule can tighten without a new signature.
func ValidateCapacity(newCap *int, confirmed, pending int) error {
	switch {
	case newCap == nil:
		return nil
	case *newCap < 0:
		return apperr.Invalid("capacity", "must not be negative")
	case *newCap < confirmed:
		return apperr.Invalid("capacity", "cannot be lower than the %d confirmed registrants", confirmed)
	}
	return nil
}

// Waiting is one waitlisted registrant.
type Waiting struct {
	ID       int
	Position int
}

// Shift lowers the waitlist position of registrants IDs by By.
type Shift struct {
	IDs []int
	By  int
}

// Plan says how to bring a launch's waitlist in order: whom to promote to which status,
// and how to renumber the others to 1..n.
type Plan struct {
	// Promote are the ids promoted, in waitlist order.
	Promote []int
	// PromoteTo is the status they get: SeatStatus of the launch.
	PromoteTo registrant.Status
	// Shifts renumber the remaining waitlist, in increasing position order; registrants
	// whose position is already right are not listed.
	Shifts []Shift
}

// PlanWaitlist promotes the head of waitlist (sorted by position, then id) into the free
// seats of l, whose seated registrants are counted in c (c.Waitlisted is ignored: waitlist
// is the truth), and renumbers the rest contiguously from 1, keeping their order.
func PlanWaitlist(l LaunchState, c Counts, waitlist []Waiting) Plan {
	p := Plan{PromoteTo: SeatStatus(l)}
	k := len(waitlist)
	if free := FreeSeats(l.Capacity, c); free >= 0 {
		k = min(k, free)
	}
	for _, w := range waitlist[:k] {
		p.Promote = append(p.Promote, w.ID)
	}
	for i, w := range waitlist[k:] {
		by := w.Position - (i + 1)
		if by == 0 {
			continue
		}
		if n := len(p.Shifts); n > 0 && p.Shifts[n-1].By == by {
			p.Shifts[n-1].IDs = append(p.Shifts[n-1].IDs, w.ID)
			continue
		}
		p.Shifts = append(p.Shifts, Shift{IDs: []int{w.ID}, By: by})
	}
	return p
}
