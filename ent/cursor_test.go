package ent

import (
	"bytes"
	"testing"
	"time"

	"entgo.io/contrib/entgql"
)

// build's cursors compute their values when written (pagination.tmpl): each is written
// byte for byte as the cursor toCursor computes at once, in either direction, for the
// default order and for several order fields.
func TestBuiltCursorsAsToCursor(t *testing.T) {
	at := time.Date(2020, 11, 26, 9, 0, 0, 0, time.UTC)
	title := "Dr"
	nodes := []*Speaker{
		{ID: 3, Name: "Ada", CreatedAt: at},
		{ID: 5, Name: "Grace", Title: &title, CreatedAt: at.Add(time.Hour)},
		{ID: 8, Name: "Ada", CreatedAt: at.Add(2 * time.Hour)},
	}
	two, one := 2, 1
	for _, tt := range []struct {
		name        string
		order       []*SpeakerOrder
		first, last *int
	}{
		{"default order", nil, &two, nil},
		{"by name then created_at", []*SpeakerOrder{
			{Field: SpeakerOrderFieldName, Direction: entgql.OrderDirectionAsc},
			{Field: SpeakerOrderFieldCreatedAt, Direction: entgql.OrderDirectionDesc},
		}, &two, nil},
		{"last, by name", []*SpeakerOrder{{Field: SpeakerOrderFieldName, Direction: entgql.OrderDirectionDesc}}, nil, &one},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pager, err := newSpeakerPager([]SpeakerPaginateOption{WithSpeakerOrder(tt.order)}, tt.last != nil)
			if err != nil {
				t.Fatal(err)
			}
			var c SpeakerConnection
			c.build(append([]*Speaker(nil), nodes...), pager, nil, tt.first, nil, tt.last)
			if len(c.Edges) == 0 {
				t.Fatal("no edges")
			}
			for i, e := range c.Edges {
				if got, want := written(e.Cursor), written(pager.toCursor(e.Node)); got != want {
					t.Errorf("edge %d: %s, want %s", i, got, want)
				}
			}
			if got, want := written(*c.PageInfo.EndCursor), written(pager.toCursor(c.Edges[len(c.Edges)-1].Node)); got != want {
				t.Errorf("end cursor %s, want %s", got, want)
			}
		})
	}
}

func written(c Cursor) string {
	var buf bytes.Buffer
	c.MarshalGQL(&buf)
	return buf.String()
}
