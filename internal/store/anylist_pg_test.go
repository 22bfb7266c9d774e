package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/internal/store"
)

// Lists of values run as arrays on PostgreSQL (anylist.go): ent's IN and NOT IN over ids
// and over strings, of 2 to 200 values, read exactly the rows they name, and every size is
// one prepared text (a list of 100 ids, 100 arguments, used to be parsed and planned on
// every run).
func TestListsOfValuesAsArrays(t *testing.T) {
	db, w := pgWire(t, func(cfg *store.Config) { cfg.MaxOpenConns = 1 })
	ctx := allow(t)
	f, r, _ := fixtures(ctx, t, db.Client, time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	creates := make([]*ent.LaunchCreate, 150)
	for i := range creates {
		creates[i] = db.Client.Launch.Create().SetSlug(fmt.Sprintf("list-%03d", i)).SetTitle(fmt.Sprintf("List %03d", i)).
			SetRegion(r).SetFormat(f).SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("UTC")
	}
	made := db.Client.Launch.CreateBulk(creates...).SaveX(ctx)
	all := db.Client.Launch.Query().IDsX(ctx)
	warm := w.Total()
	for _, n := range []int{2, 3, 17, 64, 65, 100, 150} {
		var ids []int
		var slugs []string
		for i := 0; i < n; i++ {
			ids = append(ids, made[i].ID)
			slugs = append(slugs, made[i].Slug)
		}
		ids = append(ids, 1<<40) // no such launch
		got := db.Client.Launch.Query().Where(launch.IDIn(ids...)).Order(launch.ByID()).IDsX(ctx)
		if want := ids[:n]; !slices.Equal(got, want) {
			t.Fatalf("IN %d ids: %v, want %v", n, got, want)
		}
		if got := db.Client.Launch.Query().Where(launch.IDNotIn(ids...)).CountX(ctx); got != len(all)-n {
			t.Errorf("NOT IN %d ids: %d launches, want %d", n, got, len(all)-n)
		}
		if got := db.Client.Launch.Query().Where(launch.SlugIn(append(slugs, `no "such" {slug}`)...)).CountX(ctx); got != n {
			t.Errorf("IN %d slugs: %d launches, want %d", n, got, n)
		}
	}
	prepared := w.Total().Sub(warm).Prepares
	for q, times := range prepared {
		if times > 1 {
			t.Errorf("prepared %d times: %s", times, q)
		}
		if strings.Contains(q, " IN (") {
			t.Errorf("a list still as placeholders: %s", q)
		}
	}
	if len(prepared) != 3 {
		t.Errorf("prepared %d texts for 3 shapes of every size: %v", len(prepared), prepared)
	}
}
