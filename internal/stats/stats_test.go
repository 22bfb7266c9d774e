package stats

import (
	"reflect"
	"testing"
)

func TestSorted(t *testing.T) {
	got := Sorted(map[string]int{"UA": 2, "FR": 2, "UNKNOWN": 1, "DE": 5})
	want := []Group{{"DE", 5}, {"FR", 2}, {"UA", 2}, {"UNKNOWN", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Sorted = %v, want %v", got, want)
	}
	if got := Sorted(nil); got == nil || len(got) != 0 {
		t.Errorf("Sorted(nil) = %#v, want an empty list", got)
	}
}

func TestCounts(t *testing.T) {
	c := Counts{Confirmed: 3, Pending: 1, Waitlisted: 1, Cancelled: 1, Rejected: 1, CheckedIn: 1}
	if c.Total() != 7 || c.Active() != 5 {
		t.Errorf("Total %d Active %d", c.Total(), c.Active())
	}
}
