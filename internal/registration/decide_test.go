package registration

import (
	"reflect"
	"testing"
	"time"

	"launchgraph/ent/launch"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
)

func ptr[T any](v T) *T { return &v }

func TestDecide(t *testing.T) {
	now := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	open := LaunchState{Status: launch.StatusPUBLISHED, EndsAt: now.Add(48 * time.Hour), Capacity: ptr(2)}
	with := func(mod func(*LaunchState)) LaunchState {
		l := open
		mod(&l)
		return l
	}
	tests := []struct {
		name     string
		launch   LaunchState
		counts   Counts
		want     Outcome
		wantCode apperr.Code
	}{
		{"free seat", open, Counts{Confirmed: 1}, Outcome{Status: registrant.StatusCONFIRMED}, ""},
		{"unlimited", with(func(l *LaunchState) { l.Capacity = nil }), Counts{Confirmed: 10000}, Outcome{Status: registrant.StatusCONFIRMED}, ""},
		{"approval gives pending", with(func(l *LaunchState) { l.RequiresApproval = true }), Counts{}, Outcome{Status: registrant.StatusPENDING}, ""},
		{"pending holds a seat", open, Counts{Confirmed: 1, Pending: 1}, Outcome{}, apperr.LaunchFull},
		{"full without waitlist", open, Counts{Confirmed: 2}, Outcome{}, apperr.LaunchFull},
		{"zero capacity", with(func(l *LaunchState) { l.Capacity = ptr(0) }), Counts{}, Outcome{}, apperr.LaunchFull},
		{"full with waitlist", with(func(l *LaunchState) { l.WaitlistEnabled = true }), Counts{Confirmed: 2, Waitlisted: 3},
			Outcome{Status: registrant.StatusWAITLISTED, WaitlistPosition: ptr(4)}, ""},
		{"approval launch full waits", with(func(l *LaunchState) { l.WaitlistEnabled, l.RequiresApproval = true, true }), Counts{Pending: 2},
			Outcome{Status: registrant.StatusWAITLISTED, WaitlistPosition: ptr(1)}, ""},
		{"over capacity after lowering", with(func(l *LaunchState) { l.WaitlistEnabled = true }), Counts{Confirmed: 2, Pending: 3},
			Outcome{Status: registrant.StatusWAITLISTED, WaitlistPosition: ptr(1)}, ""},
		{"draft", with(func(l *LaunchState) { l.Status = launch.StatusDRAFT }), Counts{}, Outcome{}, apperr.RegistrationClosed},
		{"completed", with(func(l *LaunchState) { l.Status = launch.StatusCOMPLETED }), Counts{}, Outcome{}, apperr.RegistrationClosed},
		{"cancelled", with(func(l *LaunchState) { l.Status = launch.StatusCANCELLED }), Counts{}, Outcome{}, apperr.RegistrationClosed},
		{"ended", with(func(l *LaunchState) { l.EndsAt = now }), Counts{}, Outcome{}, apperr.RegistrationClosed},
		{"not yet open", with(func(l *LaunchState) { l.OpensAt = ptr(now.Add(time.Second)) }), Counts{}, Outcome{}, apperr.RegistrationClosed},
		{"opens now", with(func(l *LaunchState) { l.OpensAt = ptr(now) }), Counts{}, Outcome{Status: registrant.StatusCONFIRMED}, ""},
		{"closes now", with(func(l *LaunchState) { l.ClosesAt = ptr(now) }), Counts{}, Outcome{Status: registrant.StatusCONFIRMED}, ""},
		{"closed", with(func(l *LaunchState) { l.ClosesAt = ptr(now.Add(-time.Second)) }), Counts{}, Outcome{}, apperr.RegistrationClosed},
		{"closed beats full", with(func(l *LaunchState) { l.ClosesAt = ptr(now.Add(-time.Second)) }), Counts{Confirmed: 2}, Outcome{}, apperr.RegistrationClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decide(tt.launch, tt.counts, now)
			if gotCode := apperr.CodeOf(err); gotCode != tt.wantCode {
				t.Fatalf("error = %v (code %q), want code %q", err, gotCode, tt.wantCode)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidateCapacity(t *testing.T) {
	tests := []struct {
		name               string
		newCap             *int
		confirmed, pending int
		wantCode           apperr.Code
	}{
		{"unlimited", nil, 50, 5, ""},
		{"raise", ptr(60), 50, 5, ""},
		{"equal to confirmed", ptr(50), 50, 5, ""},
		{"below confirmed", ptr(49), 50, 0, apperr.BadUserInput},
		{"negative", ptr(-1), 0, 0, apperr.BadUserInput},
		{"zero when empty", ptr(0), 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCapacity(tt.newCap, tt.confirmed, tt.pending)
			if got := apperr.CodeOf(err); got != tt.wantCode {
				t.Fatalf("ValidateCapacity = %v, want code %q", err, tt.wantCode)
			}
			if e, ok := apperr.As(err); ok && e.Field != "capacity" {
				t.Errorf("field = %q, want capacity", e.Field)
			}
		})
	}
}

func TestFreeSeats(t *testing.T) {
	tests := []struct {
		capacity *int
		counts   Counts
		want     int
	}{
		{nil, Counts{Confirmed: 5}, -1},
		{ptr(5), Counts{Confirmed: 2, Pending: 1, Waitlisted: 9}, 2},
		{ptr(5), Counts{Confirmed: 5}, 0},
		{ptr(3), Counts{Confirmed: 3, Pending: 2}, 0},
	}
	for _, tt := range tests {
		if got := FreeSeats(tt.capacity, tt.counts); got != tt.want {
			t.Errorf("FreeSeats(%v, %+v) = %d, want %d", tt.capacity, tt.counts, got, tt.want)
		}
	}
}

func TestPlanWaitlist(t *testing.T) {
	waitlist := func(positions ...int) []Waiting {
		var out []Waiting
		for i, p := range positions {
			out = append(out, Waiting{ID: 100 + i, Position: p})
		}
		return out
	}
	tests := []struct {
		name     string
		launch   LaunchState
		counts   Counts
		waitlist []Waiting
		want     Plan
	}{
		{
			name:     "full, contiguous: nothing to do",
			launch:   LaunchState{Capacity: ptr(2)},
			counts:   Counts{Confirmed: 2},
			waitlist: waitlist(1, 2, 3),
			want:     Plan{PromoteTo: registrant.StatusCONFIRMED},
		},
		{
			name:     "one seat freed: head promoted, rest shifted by one",
			launch:   LaunchState{Capacity: ptr(2)},
			counts:   Counts{Confirmed: 1},
			waitlist: waitlist(1, 2, 3),
			want: Plan{Promote: []int{100}, PromoteTo: registrant.StatusCONFIRMED,
				Shifts: []Shift{{IDs: []int{101, 102}, By: 1}}},
		},
		{
			name:     "waitlisted left from the middle",
			launch:   LaunchState{Capacity: ptr(2)},
			counts:   Counts{Confirmed: 2},
			waitlist: waitlist(1, 2, 4, 5),
			want:     Plan{PromoteTo: registrant.StatusCONFIRMED, Shifts: []Shift{{IDs: []int{102, 103}, By: 1}}},
		},
		{
			name:     "seat freed and a gap: two shift runs",
			launch:   LaunchState{Capacity: ptr(3)},
			counts:   Counts{Confirmed: 2},
			waitlist: waitlist(1, 2, 4, 5),
			want: Plan{Promote: []int{100}, PromoteTo: registrant.StatusCONFIRMED,
				Shifts: []Shift{{IDs: []int{101}, By: 1}, {IDs: []int{102, 103}, By: 2}}},
		},
		{
			name:     "capacity raised by more than the waitlist",
			launch:   LaunchState{Capacity: ptr(10)},
			counts:   Counts{Confirmed: 2},
			waitlist: waitlist(1, 2),
			want:     Plan{Promote: []int{100, 101}, PromoteTo: registrant.StatusCONFIRMED},
		},
		{
			name:     "capacity removed",
			launch:   LaunchState{},
			counts:   Counts{Confirmed: 2},
			waitlist: waitlist(1, 2, 3),
			want:     Plan{Promote: []int{100, 101, 102}, PromoteTo: registrant.StatusCONFIRMED},
		},
		{
			name:     "approval launch promotes to pending",
			launch:   LaunchState{Capacity: ptr(3), RequiresApproval: true},
			counts:   Counts{Pending: 2},
			waitlist: waitlist(1, 2),
			want: Plan{Promote: []int{100}, PromoteTo: registrant.StatusPENDING,
				Shifts: []Shift{{IDs: []int{101}, By: 1}}},
		},
		{
			name:     "over capacity: nobody promoted",
			launch:   LaunchState{Capacity: ptr(2)},
			counts:   Counts{Confirmed: 2, Pending: 2},
			waitlist: waitlist(2, 3),
			want:     Plan{PromoteTo: registrant.StatusCONFIRMED, Shifts: []Shift{{IDs: []int{100, 101}, By: 1}}},
		},
		{
			name:     "empty waitlist",
			launch:   LaunchState{Capacity: ptr(2)},
			counts:   Counts{},
			waitlist: nil,
			want:     Plan{PromoteTo: registrant.StatusCONFIRMED},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanWaitlist(tt.launch, tt.counts, tt.waitlist)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("PlanWaitlist = %+v, want %+v", got, tt.want)
			}
			// Applying the plan leaves positions 1..n in the original order.
			promoted := map[int]bool{}
			for _, id := range got.Promote {
				promoted[id] = true
			}
			shift := map[int]int{}
			for _, s := range got.Shifts {
				for _, id := range s.IDs {
					shift[id] = s.By
				}
			}
			next := 1
			for _, w := range tt.waitlist {
				if promoted[w.ID] {
					continue
				}
				if p := w.Position - shift[w.ID]; p != next {
					t.Errorf("registrant %d ends at position %d, want %d", w.ID, p, next)
				}
				next++
			}
		})
	}
}

func TestDecideBatch(t *testing.T) {
	now := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	open := LaunchState{Status: launch.StatusPUBLISHED, EndsAt: now.Add(48 * time.Hour), Capacity: ptr(2), WaitlistEnabled: true}
	app := func(email, key, req string) Applicant {
		return Applicant{EmailKey: email, KeyHash: key, RequestHash: req}
	}
	confirmed := Verdict{SameAs: -1, Outcome: Outcome{Status: registrant.StatusCONFIRMED}}
	waiting := func(pos int) Verdict {
		return Verdict{SameAs: -1, Outcome: Outcome{Status: registrant.StatusWAITLISTED, WaitlistPosition: ptr(pos)}}
	}
	fails := func(code apperr.Code) Verdict { return Verdict{SameAs: -1, Err: &apperr.Error{Code: code}} }
	tests := []struct {
		name       string
		launch     LaunchState
		visible    bool
		counts     Counts
		apps       []Applicant
		earlier    Earlier
		want       []Verdict
		wantCounts Counts
	}{
		{"seats then waitlist, in order", open, true, Counts{Confirmed: 1},
			[]Applicant{app("a", "", ""), app("b", "", ""), app("c", "", "")}, Earlier{},
			[]Verdict{confirmed, waiting(1), waiting(2)}, Counts{Confirmed: 2, Waitlisted: 2}},
		{"a duplicate in the batch fails alone", open, true, Counts{},
			[]Applicant{app("a", "", ""), app("a", "", ""), app("b", "", "")}, Earlier{},
			[]Verdict{confirmed, fails(apperr.AlreadyRegistered), confirmed}, Counts{Confirmed: 2}},
		{"a stored address fails alone", open, true, Counts{Confirmed: 1},
			[]Applicant{app("a", "", ""), app("b", "", "")}, Earlier{Taken: map[string]bool{"a": true}},
			[]Verdict{fails(apperr.AlreadyRegistered), confirmed}, Counts{Confirmed: 2}},
		{"a repeated key shares the first answer", open, true, Counts{},
			[]Applicant{app("a", "k", "r"), app("a", "k", "r"), app("b", "", "")}, Earlier{},
			[]Verdict{confirmed, {SameAs: 0}, confirmed}, Counts{Confirmed: 2}},
		{"a repeated key with another input", open, true, Counts{},
			[]Applicant{app("a", "k", "r"), app("b", "k", "other")}, Earlier{},
			[]Verdict{confirmed, fails(apperr.IdempotencyKeyReused)}, Counts{Confirmed: 1}},
		{"a stored key replays, before the address check", open, true, Counts{Confirmed: 1},
			[]Applicant{app("a", "k", "r")}, Earlier{Taken: map[string]bool{"a": true}, Keys: map[string]string{"k": "r"}},
			[]Verdict{{SameAs: -1, Replay: true}}, Counts{Confirmed: 1}},
		{"a stored key with another input", open, true, Counts{},
			[]Applicant{app("a", "k", "other")}, Earlier{Keys: map[string]string{"k": "r"}},
			[]Verdict{fails(apperr.IdempotencyKeyReused)}, Counts{}},
		{"a repeat of a replay replays", open, true, Counts{Confirmed: 1},
			[]Applicant{app("a", "k", "r"), app("a", "k", "r")}, Earlier{Keys: map[string]string{"k": "r"}},
			[]Verdict{{SameAs: -1, Replay: true}, {SameAs: -1, Replay: true}}, Counts{Confirmed: 1}},
		{"a repeat of a failure fails the same", with(open, func(l *LaunchState) { l.WaitlistEnabled = false }), true, Counts{Confirmed: 2},
			[]Applicant{app("a", "k", "r"), app("a", "k", "r")}, Earlier{},
			[]Verdict{fails(apperr.LaunchFull), fails(apperr.LaunchFull)}, Counts{Confirmed: 2}},
		{"a draft is not found for the public", with(open, func(l *LaunchState) { l.Status = launch.StatusDRAFT }), false, Counts{},
			[]Applicant{app("a", "", ""), {EmailKey: "b", SeesDrafts: true}}, Earlier{},
			[]Verdict{fails(apperr.NotFound), fails(apperr.RegistrationClosed)}, Counts{}},
		{"full without a waitlist", with(open, func(l *LaunchState) { l.WaitlistEnabled = false }), true, Counts{Confirmed: 1},
			[]Applicant{app("a", "", ""), app("b", "", "")}, Earlier{},
			[]Verdict{confirmed, fails(apperr.LaunchFull)}, Counts{Confirmed: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, counts := DecideBatch(tt.launch, tt.visible, tt.counts, now, tt.apps, tt.earlier)
			if counts != tt.wantCounts {
				t.Errorf("counts %+v, want %+v", counts, tt.wantCounts)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d verdicts, want %d", len(got), len(tt.want))
			}
			for i, v := range got {
				w := tt.want[i]
				if apperr.CodeOf(v.Err) != apperr.CodeOf(w.Err) || v.Replay != w.Replay || v.SameAs != w.SameAs ||
					!reflect.DeepEqual(v.Outcome, w.Outcome) {
					t.Errorf("verdict %d = %+v (%v), want %+v", i, v, apperr.CodeOf(v.Err), w)
				}
			}
		})
	}
}

func TestCheckApprove(t *testing.T) {
	tests := []struct {
		name     string
		capacity *int
		counts   Counts
		wantCode apperr.Code
	}{
		{"unlimited", nil, Counts{Confirmed: 100, Pending: 5}, ""},
		{"a seat left", ptr(3), Counts{Confirmed: 2, Pending: 1}, ""},
		{"every seat confirmed", ptr(2), Counts{Confirmed: 2, Pending: 1}, apperr.LaunchFull},
		{"capacity lowered below confirmed", ptr(1), Counts{Confirmed: 2, Pending: 1}, apperr.LaunchFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckApprove(LaunchState{Capacity: tt.capacity}, tt.counts)
			if got := apperr.CodeOf(err); got != tt.wantCode {
				t.Errorf("CheckApprove = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func with(l LaunchState, mod func(*LaunchState)) LaunchState {
	mod(&l)
	return l
}
