package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/registrant"
	"launchgraph/internal/store"
)

// fillRelay creates data whose orders have NULLs and ties: two regions, nine launches (two
// starting together), sessions with equal positions, speakers with and without an
// affiliation, and twelve registrants of launch-0 with equal creation times, NULL and equal
// waitlist positions.
func fillRelay(tb testing.TB, client *ent.Client) {
	tb.Helper()
	ctx := context.Background()
	fillProgramme(tb, client, 7)
	afr := client.Region.Create().SetCode("AFR").SetName("Africa").SetDefaultTimezone("Africa/Nairobi").SaveX(ctx)
	format := client.Format.Query().FirstX(ctx)
	start := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 2 {
		client.Launch.Create().SetSlug(fmt.Sprintf("afr-%d", i)).SetTitle("Same title").
			SetRegion(afr).SetFormat(format).SetStatus("PUBLISHED").
			SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("Africa/Nairobi").SaveX(ctx)
	}
	for i, s := range client.Speaker.Query().Order(ent.Asc("id")).AllX(ctx) {
		if i%3 != 0 {
			s.Update().SetAffiliation([]string{"ITU", "UNICEF"}[i%2]).ExecX(ctx)
		}
	}
	l0 := client.Launch.Query().Where(launch.Slug("launch-0")).OnlyX(ctx)
	created := time.Date(2029, 6, 1, 12, 0, 0, 0, time.UTC)
	statuses := []registrant.Status{"CONFIRMED", "WAITLISTED", "CONFIRMED", "PENDING", "WAITLISTED", "CONFIRMED"}
	for i := range 12 {
		c := client.Registrant.Create().SetLaunchID(l0.ID).
			SetName(fmt.Sprintf("Person %d", i%5)).SetEmail(fmt.Sprintf("p%d@example.org", i)).
			SetEmailKey(fmt.Sprintf("p%d@example.org", i)).SetConsentAt(created).
			SetStatus(statuses[i%len(statuses)]).
			SetCreatedAt(created.Add(time.Duration(i/3) * time.Minute))
		if statuses[i%len(statuses)] == "WAITLISTED" {
			c.SetWaitlistPosition(1 + i%3)
		}
		c.SaveX(ctx)
	}
}

// relayPage is one page of a connection as a client sees it.
type relayPage struct {
	IDs      []string
	Cursors  []string
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	}
	TotalCount int
}

// relayConn is a connection under test: query wraps the connection's selection (%s gets
// the arguments and the selection) and path leads from data to the connection.
type relayConn struct {
	name  string
	query string
	path  []string
}

func rootConn(field string) relayConn {
	return relayConn{name: field, query: "{ " + field + "%s }", path: []string{field}}
}

var (
	launchRegistrants = relayConn{
		name:  "Launch.registrants",
		query: `{ launches(first: 10, where: {slugIn: ["launch-0", "launch-1"]}, orderBy: [{field: SLUG}]) { edges { node { registrants%s } } } }`,
		path:  []string{"launches", "0", "registrants"},
	}
	regionLaunches = relayConn{
		name:  "Region.launches",
		query: `{ regions(first: 10, orderBy: [{field: CODE, direction: DESC}]) { edges { node { launches%s } } } }`,
		path:  []string{"regions", "0", "launches"},
	}
)

const pageSelection = ` { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`

// fetchPage queries one page of c with args ("first: 2, after: \"…\"", or "").
func fetchPage(tb testing.TB, url, key string, c relayConn, args string) relayPage {
	tb.Helper()
	if args != "" {
		args = "(" + args + ")"
	}
	resp := gqlAs(tb, url, key, fmt.Sprintf(c.query, args+pageSelection), nil)
	if len(resp.Errors) > 0 {
		tb.Fatalf("%s%s: errors %+v", c.name, args, resp.Errors)
	}
	var v any
	if err := json.Unmarshal(resp.Data, &v); err != nil {
		tb.Fatal(err)
	}
	for _, step := range c.path {
		if n := 0; step != "" && step[0] >= '0' && step[0] <= '9' {
			fmt.Sscan(step, &n)
			v = v.(map[string]any)["edges"].([]any)[n].(map[string]any)["node"]
			continue
		}
		v = v.(map[string]any)[step]
	}
	raw, _ := json.Marshal(v)
	var conn struct {
		TotalCount int `json:"totalCount"`
		Edges      []struct {
			Cursor string `json:"cursor"`
			Node   struct {
				ID string `json:"id"`
			} `json:"node"`
		} `json:"edges"`
		PageInfo json.RawMessage `json:"pageInfo"`
	}
	if err := json.Unmarshal(raw, &conn); err != nil {
		tb.Fatal(err)
	}
	var p relayPage
	p.TotalCount = conn.TotalCount
	for _, e := range conn.Edges {
		p.IDs = append(p.IDs, e.Node.ID)
		p.Cursors = append(p.Cursors, e.Cursor)
	}
	if err := json.Unmarshal(conn.PageInfo, &p.PageInfo); err != nil {
		tb.Fatal(err)
	}
	if len(p.IDs) > 0 && (p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Cursors[0] ||
		p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Cursors[len(p.Cursors)-1]) {
		tb.Fatalf("%s%s: pageInfo cursors %v do not match the edges' %v", c.name, args, p.PageInfo, p.Cursors)
	}
	return p
}

func joinArgs(args ...string) string {
	var out []string
	for _, a := range args {
		if a != "" {
			out = append(out, a)
		}
	}
	return strings.Join(out, ", ")
}

// relayServer opens a store of dialectName filled with the Relay data, serves it without
// rate limits and returns it with the server's URL and an admin key.
func relayServer(t *testing.T, dialectName string) (*store.DB, string, string) {
	t.Helper()
	db := openDialect(t, dialectName)
	fillRelay(t, db.Client)
	return db, testServer(t, db, unlimited).URL, adminKey(t, db)
}

// TestRelayCursorCombinations checks every combination of first/last with after/before
// against the Relay algorithm (cursors first, then first/last) on root and nested
// connections, with and without orderBy, on both stores.
func TestRelayCursorCombinations(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			db, url, key := relayServer(t, dialectName)
			l0 := db.Client.Launch.Query().Where(launch.Slug("launch-0")).OnlyX(context.Background())
			// One parent by node(id:): the nested page is read with LIMIT, not per parent.
			nodeRegistrants := relayConn{
				name:  "node.registrants",
				query: fmt.Sprintf(`{ node(id: "%d") { ... on Launch { registrants%%s } } }`, l0.ID),
				path:  []string{"node", "registrants"},
			}
			for _, tc := range []struct {
				conn    relayConn
				orderBy string
			}{
				{nodeRegistrants, ""},
				{nodeRegistrants, "orderBy: [{field: WAITLIST_POSITION}, {field: NAME, direction: DESC}]"},
				{rootConn("launches"), ""},
				{rootConn("launches"), "orderBy: [{field: STARTS_AT, direction: DESC}, {field: TITLE}]"},
				{rootConn("registrants"), ""},
				{rootConn("registrants"), "orderBy: [{field: STATUS}, {field: CREATED_AT, direction: DESC}]"},
				{launchRegistrants, ""},
				{launchRegistrants, "orderBy: [{field: WAITLIST_POSITION, direction: DESC}]"},
				{launchRegistrants, "orderBy: [{field: STATUS}, {field: CREATED_AT, direction: DESC}]"},
				{regionLaunches, ""},
				{regionLaunches, "orderBy: [{field: STATUS}, {field: STARTS_AT, direction: DESC}]"},
			} {
				t.Run(tc.conn.name+"/"+tc.orderBy, func(t *testing.T) {
					all := fetchPage(t, url, key, tc.conn, joinArgs("first: 100", tc.orderBy))
					n := len(all.IDs)
					if n < 6 {
						t.Fatalf("only %d rows", n)
					}
					cur := func(i int) string { return fmt.Sprintf("%q", all.Cursors[i]) }
					afters := map[string]int{"": -1, "after: " + cur(0): 0, "after: " + cur(2): 2}
					befores := map[string]int{"": n, "before: " + cur(n-1): n - 1, "before: " + cur(4): 4}
					for afterArg, a := range afters {
						for beforeArg, b := range befores {
							window := all.IDs[a+1 : max(a+1, b)]
							for _, size := range []string{"first: 2", "last: 2", "first: 0", "first: 100"} {
								want := window
								var hasNext, hasPrev bool
								var k int
								fmt.Sscanf(size[strings.Index(size, ":")+2:], "%d", &k)
								if strings.HasPrefix(size, "first") {
									want = window[:min(k, len(window))]
									hasNext, hasPrev = len(window) > k, afterArg != ""
								} else {
									want = window[len(window)-min(k, len(window)):]
									hasNext, hasPrev = beforeArg != "", len(window) > k
								}
								args := joinArgs(size, afterArg, beforeArg, tc.orderBy)
								got := fetchPage(t, url, key, tc.conn, args)
								if !slices.Equal(got.IDs, want) {
									t.Errorf("(%s) = %v, want %v", args, got.IDs, want)
								}
								if got.PageInfo.HasNextPage != hasNext || got.PageInfo.HasPreviousPage != hasPrev {
									t.Errorf("(%s): hasNextPage %v hasPreviousPage %v, want %v %v", args,
										got.PageInfo.HasNextPage, got.PageInfo.HasPreviousPage, hasNext, hasPrev)
								}
								if got.TotalCount != n {
									t.Errorf("(%s): totalCount %d, want %d", args, got.TotalCount, n)
								}
							}
						}
					}
				})
			}
		})
	}
}

// orderedConns lists, by introspection, every root connection with an orderBy argument and
// no required argument, with the values of its order field enum.
func orderedConns(tb testing.TB, url, key string) map[string][]string {
	tb.Helper()
	var schema struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
					Args []struct {
						Name string
						Type struct {
							Kind   string
							OfType *struct {
								Kind   string
								OfType *struct{ Name string }
							}
						}
					}
				}
			}
			Types []struct {
				Name       string
				EnumValues []struct{ Name string }
			}
		} `json:"__schema"`
	}
	dataAs(tb, url, key, `{ __schema {
	  queryType { fields { name args { name type { kind ofType { kind ofType { name } } } } } }
	  types { name enumValues { name } } } }`, nil, &schema)
	enums := map[string][]string{}
	for _, t := range schema.Schema.Types {
		for _, v := range t.EnumValues {
			enums[t.Name] = append(enums[t.Name], v.Name)
		}
	}
	out := map[string][]string{}
	for _, f := range schema.Schema.QueryType.Fields {
		order, required := "", false
		for _, a := range f.Args {
			required = required || a.Type.Kind == "NON_NULL"
			if a.Name == "orderBy" && a.Type.OfType != nil && a.Type.OfType.OfType != nil {
				order = a.Type.OfType.OfType.Name
			}
		}
		if order != "" && !required {
			out[f.Name] = enums[order+"Field"]
		}
	}
	return out
}

// TestRelayEveryOrderFieldPagesCompletely walks every order field of every root connection
// (found by introspection), both directions, forward and backward by pages of two, over data
// with NULLs and ties: each walk visits every row exactly once, in the order of the full
// page, and the orders are the same on both stores.
func TestRelayEveryOrderFieldPagesCompletely(t *testing.T) {
	orders := map[string]map[string][]string{}
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			_, url, key := relayServer(t, dialectName)
			conns := orderedConns(t, url, key)
			for _, name := range []string{"launches", "registrants", "speakers", "sessions", "regions"} {
				if len(conns[name]) == 0 {
					t.Fatalf("%s: no order fields found by introspection (%v)", name, conns)
				}
			}
			if !slices.Contains(conns["registrants"], "ID") || !slices.Contains(conns["registrants"], "WAITLIST_POSITION") {
				t.Fatalf("registrants order fields %v lack ID or WAITLIST_POSITION", conns["registrants"])
			}
			orders[dialectName] = map[string][]string{}
			for name, fields := range conns {
				for _, field := range fields {
					for _, dir := range []string{"ASC", "DESC"} {
						orderBy := fmt.Sprintf("orderBy: [{field: %s, direction: %s}]", field, dir)
						c := rootConn(name)
						all := fetchPage(t, url, key, c, joinArgs("first: 100", orderBy))
						if len(all.IDs) != all.TotalCount {
							t.Fatalf("%s(%s): %d rows of %d", name, orderBy, len(all.IDs), all.TotalCount)
						}
						walkPages(t, url, key, c, orderBy, all.IDs)
						orders[dialectName][name+" "+orderBy] = all.IDs
					}
				}
			}
		})
	}
	if len(orders) == 2 {
		for k, want := range orders["sqlite"] {
			// The stores number rows from different starts: compare ids relative to the first row.
			if got := orders["postgres"][k]; !slices.Equal(relativeIDs(got), relativeIDs(want)) {
				t.Errorf("%s: postgres %v, sqlite %v", k, got, want)
			}
		}
	}
}

// walkPages pages c forward (first: 2, after) and backward (last: 2, before) and checks
// that both walks visit want, in order, each row once, with consistent pageInfo.
func walkPages(t *testing.T, url, key string, c relayConn, orderBy string, want []string) {
	t.Helper()
	var fwd []string
	after := ""
	for range len(want) + 2 {
		p := fetchPage(t, url, key, c, joinArgs("first: 2", after, orderBy))
		fwd = append(fwd, p.IDs...)
		if p.PageInfo.HasPreviousPage != (after != "") {
			t.Errorf("%s(%s, %s): hasPreviousPage %v", c.name, after, orderBy, p.PageInfo.HasPreviousPage)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		after = fmt.Sprintf("after: %q", *p.PageInfo.EndCursor)
	}
	var bwd []string
	before := ""
	for range len(want) + 2 {
		p := fetchPage(t, url, key, c, joinArgs("last: 2", before, orderBy))
		bwd = append(slices.Clone(p.IDs), bwd...)
		if p.PageInfo.HasNextPage != (before != "") {
			t.Errorf("%s(%s, %s): hasNextPage %v", c.name, before, orderBy, p.PageInfo.HasNextPage)
		}
		if !p.PageInfo.HasPreviousPage {
			break
		}
		before = fmt.Sprintf("before: %q", *p.PageInfo.StartCursor)
	}
	if !slices.Equal(fwd, want) || !slices.Equal(bwd, want) {
		t.Errorf("%s(%s): forward %v, backward %v, want %v", c.name, orderBy, fwd, bwd, want)
	}
}

// TestRelayPageInfoWithoutEdges: a client paging by pageInfo alone gets its cursors, on root
// and nested connections.
func TestRelayPageInfoWithoutEdges(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			_, url, key := relayServer(t, dialectName)
			for _, c := range []relayConn{rootConn("launches"), launchRegistrants, regionLaunches} {
				full := fetchPage(t, url, key, c, "first: 2")
				for _, sel := range []string{"{ pageInfo { endCursor hasNextPage } }", "{ totalCount pageInfo { startCursor endCursor hasNextPage hasPreviousPage } }"} {
					cc := c
					cc.query = strings.Replace(c.query, "%s", "(first: 2) "+sel, 1)
					resp := gqlAs(t, url, key, cc.query, nil)
					if len(resp.Errors) > 0 {
						t.Fatalf("%s: %+v", c.name, resp.Errors)
					}
					raw := string(resp.Data)
					if !strings.Contains(raw, fmt.Sprintf(`"endCursor":%q`, *full.PageInfo.EndCursor)) ||
						!strings.Contains(raw, `"hasNextPage":true`) {
						t.Errorf("%s %s: %s, want endCursor %s and hasNextPage", c.name, sel, raw, *full.PageInfo.EndCursor)
					}
				}
			}
		})
	}
}

// TestRelayBadCursor: a cursor that does not decode, or does not fit the connection's order,
// is BAD_USER_INPUT "invalid cursor" on its argument, never INTERNAL or a decoder's message.
func TestRelayBadCursor(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			_, url, key := relayServer(t, dialectName)
			plain := fetchPage(t, url, key, rootConn("launches"), "first: 1")
			byTime := fetchPage(t, url, key, rootConn("launches"), "first: 1, orderBy: [{field: STARTS_AT}]")
			byTitle := fetchPage(t, url, key, rootConn("launches"), "first: 1, orderBy: [{field: TITLE}]")
			two := fetchPage(t, url, key, rootConn("launches"), "first: 1, orderBy: [{field: STATUS}, {field: TITLE}]")
			for _, tc := range []struct{ name, conn, args string }{
				{"garbage", "launches", `first: 2, after: "bm90IGEgY3Vyc29y"`},
				{"not base64", "launches", `last: 2, before: "%%%"`},
				{"garbage nested", "launchRegistrants", `first: 2, before: "garbage"`},
				{"too many values", "launches", fmt.Sprintf(`first: 2, after: %q`, two.Cursors[0])},
				{"too few values", "launches", fmt.Sprintf(`first: 2, after: %q, orderBy: [{field: STATUS}, {field: TITLE}]`, plain.Cursors[0])},
				{"wrong type", "launches", fmt.Sprintf(`first: 2, before: %q, orderBy: [{field: STARTS_AT}]`, byTitle.Cursors[0])},
				{"wrong type nested", "launchRegistrants", fmt.Sprintf(`first: 2, after: %q, orderBy: [{field: CREATED_AT}]`, byTitle.Cursors[0])},
				{"string for time", "launches", fmt.Sprintf(`first: 2, after: %q, orderBy: [{field: TITLE}]`, byTime.Cursors[0])},
			} {
				c := rootConn("launches")
				if tc.conn == "launchRegistrants" {
					c = launchRegistrants
				}
				arg := "after"
				if strings.Contains(tc.args, "before:") {
					arg = "before"
				}
				resp := gqlAs(t, url, key, fmt.Sprintf(c.query, "("+tc.args+")"+pageSelection), nil)
				if len(resp.Errors) != 1 || resp.code() != "BAD_USER_INPUT" ||
					resp.Errors[0].Message != arg+": invalid cursor" || resp.Errors[0].Extensions["field"] != arg {
					t.Errorf("%s: errors %+v, want one BAD_USER_INPUT %q on %s", tc.name, resp.Errors, arg+": invalid cursor", arg)
				}
			}
			// The same through a variable, root and nested.
			for _, q := range []string{
				`query($c: Cursor) { launches(first: 2, after: $c) { edges { cursor } } }`,
				`query($c: Cursor) { launches(first: 2) { edges { node { registrants(first: 2, after: $c) { edges { cursor } } } } } }`,
			} {
				resp := gqlAs(t, url, key, q, map[string]any{"c": "bm90IGEgY3Vyc29y"})
				if len(resp.Errors) != 1 || resp.code() != "BAD_USER_INPUT" || resp.Errors[0].Message != "after: invalid cursor" {
					t.Errorf("%s: errors %+v, want one BAD_USER_INPUT \"after: invalid cursor\"", q, resp.Errors)
				}
			}
		})
	}
}

// relativeIDs maps global ids to their distance from the smallest of them.
func relativeIDs(ids []string) []int64 {
	n := make([]int64, len(ids))
	if len(ids) == 0 {
		return n
	}
	for i, id := range ids {
		fmt.Sscan(id, &n[i])
	}
	low := slices.Min(n)
	for i := range n {
		n[i] -= low
	}
	return n
}

// TestRelayTiesAndNulls: ties break by id in the direction of the last order field, and NULL
// sorts as the largest value (last ascending, first descending), on both stores.
func TestRelayTiesAndNulls(t *testing.T) {
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			db, url, key := relayServer(t, dialectName)
			ids := func(args string) []int64 {
				p := fetchPage(t, url, key, launchRegistrants, args)
				n := make([]int64, len(p.IDs))
				for i, id := range p.IDs {
					fmt.Sscan(id, &n[i])
				}
				return n
			}
			// Creation times rise with the id, three registrants to a minute.
			asc, desc := ids("orderBy: [{field: CREATED_AT}]"), ids("orderBy: [{field: CREATED_AT, direction: DESC}]")
			if !slices.IsSorted(asc) || !slices.Equal(desc, reversed(asc)) {
				t.Errorf("createdAt ASC %v, DESC %v: ties must break by id in the same direction", asc, desc)
			}
			if got := ids("orderBy: [{field: ID, direction: DESC}]"); !slices.Equal(got, desc) {
				t.Errorf("ID DESC %v, want %v", got, desc)
			}
			// Waitlisted registrants (positions 1..3, ties) first ascending; the NULLs after, by id.
			var waitlisted []int64
			db.Client.Registrant.Query().Where(registrant.WaitlistPositionNotNil()).
				Select(registrant.FieldID).ScanX(context.Background(), &waitlisted)
			wasc := ids("orderBy: [{field: WAITLIST_POSITION}]")
			if len(wasc) != 12 || !slices.IsSorted(wasc[len(waitlisted):]) {
				t.Fatalf("WAITLIST_POSITION ASC %v", wasc)
			}
			for _, id := range wasc[:len(waitlisted)] {
				if !slices.Contains(waitlisted, id) {
					t.Errorf("WAITLIST_POSITION ASC %v: NULLs must come last (waitlisted %v)", wasc, waitlisted)
				}
			}
			if wdesc := ids("orderBy: [{field: WAITLIST_POSITION, direction: DESC}]"); !slices.Equal(wdesc, reversed(wasc)) {
				t.Errorf("WAITLIST_POSITION DESC %v, want the reverse of ASC %v", wdesc, wasc)
			}
		})
	}
}

func reversed[S ~[]E, E any](s S) S {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
