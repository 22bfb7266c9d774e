package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// syncTypes are the root connections a partner mirrors, with the fields it keeps.
var syncTypes = []struct{ conn, fields string }{
	{"launches", "id updatedAt slug title status startsAt"},
	{"sessions", "id updatedAt title startsAt launch { id }"},
	{"speakers", "id updatedAt name affiliation"},
	{"objectives", "id updatedAt text position"},
}

// mirror is a partner's copy of the server's data, kept by incremental sync.
type mirror struct {
	url, key string
	// nodes maps id → the node's JSON, across types (ids are global).
	nodes map[string]string
	// mark is the largest updatedAt or deletedAt seen.
	mark time.Time
	// margin is re-read before mark each time (see internal/changes).
	margin time.Duration
}

type syncPage struct {
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
	Edges []struct{ Node json.RawMessage }
}

// sync pulls every change since the mark, page by page (pageSize nodes), calling between
// after each page, then the deletions.
func (m *mirror) sync(t *testing.T, pageSize int, between func()) {
	t.Helper()
	var since any
	if !m.mark.IsZero() {
		since = m.mark.Add(-m.margin).Format(time.RFC3339Nano)
	}
	next := m.mark
	for _, st := range syncTypes {
		q := fmt.Sprintf(`query($after: Cursor, $first: Int, $since: Time) {
			page: %s(first: $first, after: $after, updatedAfter: $since) {
				pageInfo { hasNextPage endCursor } edges { node { %s } } } }`, st.conn, st.fields)
		var after *string
		for {
			var got struct{ Page syncPage }
			dataAs(t, m.url, m.key, q, map[string]any{"after": after, "first": pageSize, "since": since}, &got)
			for _, e := range got.Page.Edges {
				var n struct {
					ID        string
					UpdatedAt time.Time
				}
				if err := json.Unmarshal(e.Node, &n); err != nil {
					t.Fatal(err)
				}
				m.nodes[n.ID] = string(e.Node)
				if n.UpdatedAt.After(next) {
					next = n.UpdatedAt
				}
			}
			between()
			if !got.Page.PageInfo.HasNextPage {
				break
			}
			after = got.Page.PageInfo.EndCursor
		}
	}
	after := time.Time{}
	if since != nil {
		after = m.mark.Add(-m.margin)
	}
	var del struct {
		DeletedSince []struct {
			ID        string
			Type      string
			DeletedAt time.Time
		}
	}
	dataAs(t, m.url, m.key, `query($after: Time!) { deletedSince(after: $after) { id type deletedAt } }`,
		map[string]any{"after": after.Format(time.RFC3339Nano)}, &del)
	for _, d := range del.DeletedSince {
		delete(m.nodes, d.ID)
		if d.DeletedAt.After(next) {
			next = d.DeletedAt
		}
	}
	m.mark = next
}

// serverState reads every node of the sync types afresh.
func serverState(t *testing.T, url, key string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range syncTypes {
		var got struct{ Page syncPage }
		dataAs(t, url, key, fmt.Sprintf(`{ page: %s(first: 100) { pageInfo { hasNextPage endCursor } edges { node { %s } } } }`, st.conn, st.fields), nil, &got)
		if got.Page.PageInfo.HasNextPage {
			t.Fatalf("%s: more than 100 nodes", st.conn)
		}
		for _, e := range got.Page.Edges {
			var n struct{ ID string }
			_ = json.Unmarshal(e.Node, &n)
			out[n.ID] = string(e.Node)
		}
	}
	return out
}

func TestIncrementalSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := newFeedKeys(t, db)
		srv := testServer(t, seeded(t, db))
		admin := func(q string, vars map[string]any) map[string]any {
			var out map[string]any
			dataAs(t, srv.URL, keys.admin, q, vars, &out)
			return out
		}
		ids := func(q string) map[string]string { // key → id, from aliased nodes
			var out map[string]struct {
				Edges []struct{ Node struct{ ID string } }
			}
			dataAs(t, srv.URL, keys.admin, q, nil, &out)
			m := map[string]string{}
			for k, v := range out {
				if len(v.Edges) > 0 {
					m[k] = v.Edges[0].Node.ID
				}
			}
			return m
		}
		ref := ids(`{ cis: launches(where: {slug: "cis-2020"}) { edges { node { id } } }
			arab: launches(where: {slug: "arab-states-2020"}) { edges { node { id } } }
			asp: regions(where: {code: "ASP"}) { edges { node { id } } }
			panel: formats(where: {kind: HIGH_LEVEL_PANEL}) { edges { node { id } } }
			training: sessions(where: {title: "Training for policy-makers"}) { edges { node { id } } }
			launchDay: sessions(where: {title: "Launch of the COP 2020 Guidelines"}) { edges { node { id } } } }`)
		created := map[string]string{}
		newID := func(out map[string]any, field string) string {
			return out[field].(map[string]any)["id"].(string)
		}
		edits := []func(){
			func() {
				admin(`mutation($id: ID!) { updateLaunch(id: $id, input: {title: "CIS forum (renamed)"}) { id } }`, map[string]any{"id": ref["cis"]})
			},
			func() {
				created["ada"] = newID(admin(`mutation { createSpeaker(input: {name: "Ada", affiliation: "ITU"}) { id } }`, nil), "createSpeaker")
			},
			func() {
				created["session"] = newID(admin(`mutation($l: ID!, $s: ID!) { createSession(input: {launchID: $l, title: "Late addition",
					kind: PANEL, startsAt: "2020-10-27T12:00:00Z", endsAt: "2020-10-27T13:00:00Z", speakerIDs: [$s]}) { id } }`,
					map[string]any{"l": ref["cis"], "s": created["ada"]}), "createSession")
			},
			func() {
				admin(`mutation($id: ID!) { deleteSession(id: $id) }`, map[string]any{"id": ref["launchDay"]})
			},
			func() {
				admin(`mutation($id: ID!) { updateSession(id: $id, input: {title: "Training (4 days)"}) { id } }`, map[string]any{"id": ref["training"]})
			},
			func() {
				created["objective"] = newID(admin(`mutation($l: ID!) { createObjective(input: {text: "Regional focus", position: 9, launchIDs: [$l]}) { id } }`,
					map[string]any{"l": ref["cis"]}), "createObjective")
			},
			func() {
				created["draft"] = newID(admin(`mutation($r: ID!, $f: ID!) { createLaunch(input: {slug: "asp-draft", title: "Asia & Pacific",
					regionID: $r, formatID: $f, startsAt: "2031-01-01T00:00:00Z", endsAt: "2031-01-02T00:00:00Z", timezone: "Asia/Bangkok"}) { id } }`,
					map[string]any{"r": ref["asp"], "f": ref["panel"]}), "createLaunch")
			},
			func() {
				created["draftSession"] = newID(admin(`mutation($l: ID!) { createSession(input: {launchID: $l, title: "Draft session",
					kind: OPENING, startsAt: "2031-01-01T02:00:00Z", endsAt: "2031-01-01T03:00:00Z"}) { id } }`,
					map[string]any{"l": created["draft"]}), "createSession")
			},
			func() {
				admin(`mutation($id: ID!) { deleteObjective(id: $id) }`, map[string]any{"id": created["objective"]})
			},
			func() {
				admin(`mutation($id: ID!) { deleteLaunch(id: $id) }`, map[string]any{"id": created["draft"]})
			},
			func() {
				admin(`mutation($id: ID!) { updateSpeaker(id: $id, input: {affiliation: "UNESCO"}) { id } }`, map[string]any{"id": created["ada"]})
			},
			func() {
				admin(`mutation($id: ID!) { deleteLaunch(id: $id) }`, map[string]any{"id": ref["arab"]})
			},
			func() {
				created["grace"] = newID(admin(`mutation { createSpeaker(input: {name: "Grace"}) { id } }`, nil), "createSpeaker")
			},
			func() {
				admin(`mutation($id: ID!) { deleteSpeaker(id: $id) }`, map[string]any{"id": created["ada"]})
			},
		}
		step := 0
		between := func() {
			if step < len(edits) {
				edits[step]()
				step++
			}
		}
		m := &mirror{url: srv.URL, key: keys.partner, nodes: map[string]string{}, margin: 2 * time.Second}
		for rounds := 0; step < len(edits); rounds++ {
			if rounds > 20 {
				t.Fatal("edits never ran out")
			}
			m.sync(t, 2, between)
		}
		m.sync(t, 2, func() {}) // the edits are over: one more round catches up

		want := serverState(t, srv.URL, keys.partner)
		if !maps.Equal(m.nodes, want) {
			for _, id := range slices.Sorted(maps.Keys(want)) {
				if m.nodes[id] != want[id] {
					t.Errorf("node %s: mirror %s, server %s", id, m.nodes[id], want[id])
				}
			}
			for id := range m.nodes {
				if _, ok := want[id]; !ok {
					t.Errorf("node %s: mirror kept %s, deleted on the server", id, m.nodes[id])
				}
			}
		}
		for _, k := range []string{"launchDay", "arab"} {
			if _, ok := m.nodes[ref[k]]; ok {
				t.Errorf("%s still in the mirror", k)
			}
		}

		// The public never learns of the draft: its tombstones (and its session's) are
		// for partners and admins only; the published launch's are for everyone.
		deleted := func(key string) map[string]string {
			var got struct{ DeletedSince []struct{ ID, Type string } }
			dataAs(t, srv.URL, key, `{ deletedSince(after: "2000-01-01T00:00:00Z") { id type } }`, nil, &got)
			out := map[string]string{}
			for _, d := range got.DeletedSince {
				out[d.ID] = d.Type
			}
			return out
		}
		all := map[string]string{
			ref["launchDay"]: "Session", created["objective"]: "Objective", created["draftSession"]: "Session",
			created["draft"]: "Launch", ref["arab"]: "Launch", created["ada"]: "Speaker",
		}
		if got := deleted(keys.partner); !maps.Equal(got, all) {
			t.Errorf("partner tombstones = %v, want %v", got, all)
		}
		public := maps.Clone(all)
		delete(public, created["draft"])
		delete(public, created["draftSession"])
		if got := deleted(""); !maps.Equal(got, public) {
			t.Errorf("public tombstones = %v, want %v", got, public)
		}
	})
}

func TestUpdatedAfterOrdersByUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := newFeedKeys(t, db)
		srv := testServer(t, seeded(t, db))
		var all struct {
			Launches struct {
				Edges []struct {
					Node struct{ ID, Slug, UpdatedAt string }
				}
			}
		}
		dataAs(t, srv.URL, "", `{ launches(first: 10) { edges { node { id slug updatedAt } } } }`, nil, &all)
		if len(all.Launches.Edges) != 5 {
			t.Fatalf("%d launches", len(all.Launches.Edges))
		}
		// Touch two launches, the later-created first: updatedAfter lists exactly them, in
		// update order, whatever their ids.
		last, first := all.Launches.Edges[4].Node, all.Launches.Edges[1].Node
		mark := time.Now().Add(-time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		for _, l := range []struct{ ID, Slug, UpdatedAt string }{last, first} {
			dataAs(t, srv.URL, keys.admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {hosts: ["ITU"]}) { id } }`, map[string]any{"id": l.ID}, new(any))
		}
		var got struct {
			Launches struct {
				Edges []struct{ Node struct{ Slug string } }
			}
		}
		dataAs(t, srv.URL, "", `query($t: Time) { launches(first: 10, updatedAfter: $t) { edges { node { slug } } } }`,
			map[string]any{"t": mark.Format(time.RFC3339Nano)}, &got)
		var slugs []string
		for _, e := range got.Launches.Edges {
			slugs = append(slugs, e.Node.Slug)
		}
		if want := []string{last.Slug, first.Slug}; !slices.Equal(slugs, want) {
			t.Errorf("updatedAfter: %q, want %q", slugs, want)
		}
	})
}
