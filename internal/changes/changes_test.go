package changes

import (
	"slices"
	"testing"
	"time"
)

func TestUpdatedAfterAndOrder(t *testing.T) {
	at := time.Date(2020, 10, 25, 1, 0, 0, 0, time.UTC)
	gt := func(t time.Time) string { return "updated_at > " + t.Format(time.RFC3339) }
	if got := UpdatedAfter(nil, gt); got != nil {
		t.Errorf("UpdatedAfter(nil) = %v", got)
	}
	if got := UpdatedAfter(&at, gt); !slices.Equal(got, []string{"updated_at > 2020-10-25T01:00:00Z"}) {
		t.Errorf("UpdatedAfter = %v", got)
	}
	tests := []struct {
		name    string
		orderBy []string
		after   *time.Time
		want    []string
	}{
		{"no sync", nil, nil, nil},
		{"sync without an order", nil, &at, []string{"UPDATED_AT"}},
		{"sync with the caller's order", []string{"TITLE"}, &at, []string{"TITLE"}},
		{"an order without sync", []string{"TITLE"}, nil, []string{"TITLE"}},
	}
	for _, tt := range tests {
		if got := Order(tt.orderBy, tt.after, "UPDATED_AT"); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
