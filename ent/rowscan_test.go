package ent_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"entgo.io/contrib/entgql"
	entsql "entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/ent/speaker"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// Every row of a result is scanned into the first row's targets when assignValues copies
// out of all of them (rowscan.tmpl): each entity still gets its own row, NULLs included,
// a page still reads its totalCount and writes its cursors, and a column a modifier adds
// (kept per row, so scanned into new targets) still holds each row's value.
func TestRowsScannedIntoReusedTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
		const n = 7
		for i := range n {
			c := db.Client.Speaker.Create().SetName(fmt.Sprintf("speaker %d", i))
			if i%2 == 0 {
				c.SetTitle(fmt.Sprintf("title %d", i))
			}
			if i%3 == 0 {
				c.SetAffiliation(fmt.Sprintf("affiliation %d", i))
			}
			if _, err := c.Save(ctx); err != nil {
				t.Fatalf("create: %v", err)
			}
		}
		describe := func(s *ent.Speaker) string {
			str := func(p *string) string {
				if p == nil {
					return "<nil>"
				}
				return *p
			}
			return fmt.Sprintf("%s/%s/%s", s.Name, str(s.Title), str(s.Affiliation))
		}
		want := func(i int) string {
			title, aff := "<nil>", "<nil>"
			if i%2 == 0 {
				title = fmt.Sprintf("title %d", i)
			}
			if i%3 == 0 {
				aff = fmt.Sprintf("affiliation %d", i)
			}
			return fmt.Sprintf("speaker %d/%s/%s", i, title, aff)
		}

		all, err := db.Client.Speaker.Query().Order(speaker.ByID()).All(ctx)
		if err != nil || len(all) != n {
			t.Fatalf("all: %d speakers, %v", len(all), err)
		}
		for i, s := range all {
			if got := describe(s); got != want(i) {
				t.Errorf("row %d: %s, want %s", i, got, want(i))
			}
			if i > 0 && (s == all[i-1] || s.CreatedAt.IsZero()) {
				t.Errorf("row %d: not an entity of its own (%p) or no created_at", i, s)
			}
		}

		first := 3
		page, err := db.Client.Speaker.Query().Paginate(ctx, nil, &first, nil, nil)
		if err != nil {
			t.Fatalf("paginate: %v", err)
		}
		if page.TotalCount != n || len(page.Edges) != first || !page.PageInfo.HasNextPage {
			t.Fatalf("page: totalCount %d, %d edges, hasNextPage %v; want %d, %d, true",
				page.TotalCount, len(page.Edges), page.PageInfo.HasNextPage, n, first)
		}
		for i, e := range page.Edges {
			if got := describe(e.Node); got != want(i) {
				t.Errorf("edge %d: %s, want %s", i, got, want(i))
			}
		}

		// A page's cursors are written as ent wrote them when it computed their values at
		// once, and one given back to Paginate in Go (not through GraphQL) still works.
		byName := []*ent.SpeakerOrder{{Field: ent.SpeakerOrderFieldName, Direction: entgql.OrderDirectionDesc}}
		named, err := db.Client.Speaker.Query().Paginate(ctx, nil, &first, nil, nil, ent.WithSpeakerOrder(byName))
		if err != nil || len(named.Edges) != first {
			t.Fatalf("by name: %v", err)
		}
		for i, e := range named.Edges {
			want := ent.Cursor{ID: e.Node.ID, Value: []any{e.Node.Name}}
			if got, w := marshal(e.Cursor), marshal(want); got != w {
				t.Errorf("edge %d: cursor %s, want %s", i, got, w)
			}
			if e.Node.Name != fmt.Sprintf("speaker %d", n-1-i) {
				t.Errorf("edge %d: %s", i, e.Node.Name)
			}
		}
		for i, e := range page.Edges { // the default order: by id, no order field
			if got, w := marshal(e.Cursor), marshal(ent.Cursor{ID: e.Node.ID, Value: []any{}}); got != w {
				t.Errorf("page edge %d: cursor %s, want %s", i, got, w)
			}
		}
		next, err := db.Client.Speaker.Query().Paginate(ctx, named.PageInfo.EndCursor, &first, nil, nil, ent.WithSpeakerOrder(byName))
		if err != nil || len(next.Edges) != first || next.Edges[0].Node.Name != fmt.Sprintf("speaker %d", n-1-first) {
			t.Fatalf("after the end cursor: %v, %d edges", err, len(next.Edges))
		}

		twice, err := db.Client.Speaker.Query().Order(speaker.ByID()).
			Modify(func(s *entsql.Selector) {
				s.AppendSelectExprAs(entsql.Expr(s.C(speaker.FieldID)+" * 2"), "twice")
			}).All(ctx)
		if err != nil || len(twice) != n {
			t.Fatalf("modified: %d speakers, %v", len(twice), err)
		}
		for i, s := range twice {
			v, err := s.Value("twice")
			if got := fmt.Sprint(v); err != nil || got != fmt.Sprint(2*s.ID) {
				t.Errorf("row %d: twice = %v (%v), want %d", i, v, err, 2*s.ID)
			}
			if got := describe(s); got != want(i) {
				t.Errorf("modified row %d: %s, want %s", i, got, want(i))
			}
		}
	})
}

func marshal(c ent.Cursor) string {
	var buf bytes.Buffer
	c.MarshalGQL(&buf)
	return buf.String()
}
