package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/session"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz/authztest"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// The roles of the authorization tests; their keys are made per store.
const (
	public  = "public"
	partner = "partner"
	admin   = "admin"
)

var roles = []string{public, partner, admin}

// authzEnv is a server over the authztest fixture, with a key per role.
type authzEnv struct {
	url  string
	f    authztest.Fixture
	keys map[string]string
}

func newAuthzEnv(t *testing.T, db *store.DB) *authzEnv {
	t.Helper()
	env := &authzEnv{f: authztest.New(t, db.Client), keys: map[string]string{public: ""}}
	for role, r := range map[string]auth.Role{partner: auth.Partner, admin: auth.Admin} {
		key, _, err := auth.Create(context.Background(), db.Client, r, role+" key", 0)
		if err != nil {
			t.Fatal(err)
		}
		env.keys[role] = key
	}
	env.url = testServer(t, db).URL
	return env
}

// post sends a query as role and returns the raw response body (which must have status
// 200 or 422). A public or partner response must never hold a registrant's email.
func (e *authzEnv) post(t *testing.T, role, query string, vars map[string]any) []byte {
	t.Helper()
	status, raw := sendGQL(t, e.url, e.keys[role], query, vars)
	if status != http.StatusOK && status != http.StatusUnprocessableEntity {
		t.Fatalf("%s: status %d: %s", role, status, raw)
	}
	if role != admin {
		for _, email := range e.f.Emails() {
			if bytes.Contains(raw, []byte(email)) {
				t.Fatalf("%s read a registrant's email: %s", role, raw)
			}
		}
	}
	return raw
}

// data posts as role, fails on any error but NOT_FOUND, and returns the decoded data.
// (nodes(ids:) reports each id it cannot resolve as NOT_FOUND.)
func (e *authzEnv) data(t *testing.T, role, query string, vars map[string]any) any {
	t.Helper()
	raw := e.post(t, role, query, vars)
	var resp struct {
		Data   any
		Errors []gqlError
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("%s: %s (%v)", role, raw, err)
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] != "NOT_FOUND" {
			t.Fatalf("%s: %s", role, raw)
		}
	}
	checkTotals(t, role, resp.Data)
	return resp.Data
}

// keys collects the values of every field aliased `key`, sorted.
func keys(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if k == "key" {
					if _, nested := val.(map[string]any); !nested {
						out = append(out, fmt.Sprint(val))
						continue
					}
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(v)
	slices.Sort(out)
	return out
}

// checkTotals fails when a connection's totalCount differs from its number of edges: the
// tests ask for every element, so a difference would be a count of hidden rows.
func checkTotals(t *testing.T, role string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		total, hasTotal := x["totalCount"].(float64)
		edges, hasEdges := x["edges"].([]any)
		if hasTotal && hasEdges && int(total) != len(edges) {
			t.Errorf("%s: totalCount %d but %d edges in %v", role, int(total), len(edges), x)
		}
		for _, val := range x {
			checkTotals(t, role, val)
		}
	case []any:
		for _, val := range x {
			checkTotals(t, role, val)
		}
	}
}

// without returns all minus one occurrence of each of hidden; every hidden value must be
// in all, or the probe would prove nothing.
func without(t *testing.T, all, hidden []string) []string {
	t.Helper()
	out := slices.Clone(all)
	for _, h := range hidden {
		i := slices.Index(out, h)
		if i < 0 {
			t.Fatalf("admin does not see %q, so hiding it proves nothing: %q", h, all)
		}
		out = slices.Delete(out, i, i+1)
	}
	return out
}

func id(n int) string { return strconv.Itoa(n) }

func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := newAuthzEnv(t, db)
		t.Run("visibility", func(t *testing.T) { testVisibility(t, env) })
		t.Run("node hides like missing", func(t *testing.T) { testNodeHidesLikeMissing(t, env) })
		t.Run("where oracles", func(t *testing.T) { testWhereOracles(t, env) })
		t.Run("boolean edge filters", func(t *testing.T) { testBooleanEdgeFilters(t, env) })
		t.Run("every edge filter", func(t *testing.T) { testEveryEdgeFilter(t, env) })
		t.Run("order fields", func(t *testing.T) { testOrderFields(t, env) })
	})
}

// testVisibility runs each path as every role: a role sees exactly what an admin sees
// minus its hidden values, and every totalCount matches the edges returned.
func testVisibility(t *testing.T, env *authzEnv) {
	f := env.f
	const (
		slug    = authztest.SecretSlug
		sess    = authztest.SecretSession
		speaker = authztest.SecretSpeaker
		obj     = authztest.SecretObjective
	)
	emails := []string{authztest.RegistrantEmail, authztest.DraftEmail}
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		hidden map[string][]string // by role; admin sees everything
	}{
		{"launches", `{ launches(first: 10) { totalCount edges { node { key: slug } } } }`, nil,
			map[string][]string{public: {slug}}},
		{"sessions", `{ sessions(first: 10) { totalCount edges { node { key: title } } } }`, nil,
			map[string][]string{public: {sess}}},
		{"speakers and their sessions", `{ speakers(first: 10) { totalCount edges { node { key: name sessions(first: 10) { totalCount edges { node { key: title } } } } } } }`, nil,
			map[string][]string{public: {speaker, authztest.Unassigned, sess, sess}}},
		{"objectives and their launches", `{ objectives(first: 10) { totalCount edges { node { key: text launches(first: 10) { totalCount edges { node { key: slug } } } } } } }`, nil,
			map[string][]string{public: {obj, slug, slug}}},
		{"region launches", `{ regions(first: 10) { totalCount edges { node { key: code launches(first: 10) { totalCount edges { node { key: slug } } } } } } }`, nil,
			map[string][]string{public: {slug}}},
		{"format launches", `{ formats(first: 10) { totalCount edges { node { key: kind launches(first: 10) { totalCount edges { node { key: slug } } } } } } }`, nil,
			map[string][]string{public: {slug}}},
		{"guideline set launches and sessions", `{ guidelineSets(first: 10) { totalCount edges { node { key: audience
			launches(first: 10) { totalCount edges { node { key: slug } } } sessions(first: 10) { totalCount edges { node { key: title } } } } } } }`, nil,
			map[string][]string{public: {slug, sess}}},
		{"launch programme and registrants", `{ launches(first: 10) { totalCount edges { node { key: slug
			sessions(first: 10) { totalCount edges { node { key: title speakers(first: 10) { totalCount edges { node { key: name } } } } } }
			objectives(first: 10) { totalCount edges { node { key: text } } }
			registrants(first: 10) { totalCount edges { node { key: email name organisation country } } } } } } }`, nil,
			map[string][]string{
				public:  append([]string{slug, sess, speaker, authztest.SharedSpeaker, obj, f.SeriesWide.Text}, emails...),
				partner: emails,
			}},
		{"registrants", `{ registrants(first: 10) { totalCount edges { node { key: email name jobTitle launch { slug } } } } }`, nil,
			map[string][]string{public: emails, partner: emails}},
		{"registrant by launch id filter", `query($id: ID!) { registrants(first: 10, where: {hasLaunchWith: {id: $id}}) { totalCount edges { node { key: email } } } }`,
			map[string]any{"id": id(f.Published.ID)},
			map[string][]string{public: {authztest.RegistrantEmail}, partner: {authztest.RegistrantEmail}}},
		{"audit entries", `{ auditEntries(first: 10) { totalCount edges { node { key: operation actorName } } } }`, nil,
			map[string][]string{public: {authztest.AuditOperation}, partner: {authztest.AuditOperation}}},
		{"nodes", `query($ids: [ID!]!) { nodes(ids: $ids) { key: id ... on Registrant { key2: email } } }`,
			map[string]any{"ids": []string{id(f.Draft.ID), id(f.DraftSession.ID), id(f.Speaker.ID), id(f.Unassigned.ID),
				id(f.Objective.ID), id(f.Registrant.ID), id(f.DraftRegistrant.ID), id(f.Published.ID), id(f.Audit.ID)}},
			map[string][]string{
				public: {id(f.Draft.ID), id(f.DraftSession.ID), id(f.Speaker.ID), id(f.Unassigned.ID),
					id(f.Objective.ID), id(f.Registrant.ID), id(f.DraftRegistrant.ID), id(f.Audit.ID)},
				partner: {id(f.Registrant.ID), id(f.DraftRegistrant.ID), id(f.Audit.ID)},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := keys(env.data(t, admin, tt.query, tt.vars))
			for _, role := range []string{public, partner} {
				want := without(t, all, tt.hidden[role])
				if got := keys(env.data(t, role, tt.query, tt.vars)); !slices.Equal(got, want) {
					t.Errorf("%s sees %q\nwant %q", role, got, want)
				}
			}
		})
	}
}

// testNodeHidesLikeMissing: node(id:) on a hidden row answers exactly as on an id of the
// same type that does not exist.
func testNodeHidesLikeMissing(t *testing.T, env *authzEnv) {
	f := env.f
	const q = `query($id: ID!) { node(id: $id) { id ... on Launch { slug } ... on Session { title }
		... on Speaker { name } ... on Objective { text } ... on Registrant { email name } ... on AuditEntry { operation } } }`
	tests := []struct {
		name   string
		id     int
		hidden []string // roles
	}{
		{"draft launch", f.Draft.ID, []string{public}},
		{"draft session", f.DraftSession.ID, []string{public}},
		{"speaker of a draft", f.Speaker.ID, []string{public}},
		{"objective of a draft", f.Objective.ID, []string{public}},
		{"registrant", f.Registrant.ID, []string{public, partner}},
		{"registrant of a draft", f.DraftRegistrant.ID, []string{public, partner}},
		{"audit entry", f.Audit.ID, []string{public, partner}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, role := range roles {
				// The NOT_FOUND message echoes the requested id: compare with it blanked.
				got := bytes.ReplaceAll(env.post(t, role, q, map[string]any{"id": id(tt.id)}), []byte(id(tt.id)), []byte("ID"))
				missing := bytes.ReplaceAll(env.post(t, role, q, map[string]any{"id": id(tt.id + 1_000_000)}), []byte(id(tt.id+1_000_000)), []byte("ID"))
				if !slices.Contains(tt.hidden, role) {
					if bytes.Equal(got, missing) || bytes.Contains(got, []byte(`"errors"`)) {
						t.Errorf("%s: %s, want the node", role, got)
					}
					continue
				}
				if !bytes.Equal(got, missing) {
					t.Errorf("%s: hidden node answers\n%s\nmissing node answers\n%s", role, got, missing)
				}
				if !bytes.Contains(got, []byte(`"node":null`)) || !bytes.Contains(got, []byte(`"NOT_FOUND"`)) {
					t.Errorf("%s: %s, want null and NOT_FOUND", role, got)
				}
			}
		})
	}

	// nodes(ids:) answers for hidden ids as for missing ones, beside a visible one.
	const nodesQ = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`
	hidden := []int{f.Draft.ID, f.DraftSession.ID, f.Speaker.ID, f.Objective.ID, f.Registrant.ID, f.Audit.ID}
	blank := func(raw []byte, ids []int) []byte {
		for _, n := range ids {
			raw = bytes.ReplaceAll(raw, []byte(id(n)), []byte("ID"))
		}
		return raw
	}
	ids, missingIDs := []string{}, []int{}
	for _, n := range hidden {
		ids = append(ids, id(n))
		missingIDs = append(missingIDs, n+1_000_000)
	}
	missingStrs := []string{}
	for _, n := range missingIDs {
		missingStrs = append(missingStrs, id(n))
	}
	got := blank(env.post(t, public, nodesQ, map[string]any{"ids": append(ids, id(f.Published.ID))}), hidden)
	missing := blank(env.post(t, public, nodesQ, map[string]any{"ids": append(missingStrs, id(f.Published.ID))}), missingIDs)
	if !bytes.Equal(got, missing) {
		t.Errorf("public nodes: hidden ids answer\n%s\nmissing ids answer\n%s", got, missing)
	}
}

// testWhereOracles: a filter naming a hidden row answers as one naming nothing.
func testWhereOracles(t *testing.T, env *authzEnv) {
	slug, absent := authztest.SecretSlug, authztest.AbsentSlug
	sess, absentSess := authztest.SecretSession, authztest.AbsentSession
	fill := func(q, v string) string { return strings.ReplaceAll(q, "$X", strconv.Quote(v)) }
	tests := []struct {
		name       string
		query      string // $X is replaced by the secret, then by the absent value
		secret, no string
		roles      []string // that must not tell the two apart
	}{
		{"region hasLaunchesWith", `{ regions(first: 10, where: {hasLaunchesWith: {slug: $X}}) { totalCount edges { node { code } } } }`, slug, absent, []string{public}},
		{"format hasLaunchesWith", `{ formats(first: 10, where: {hasLaunchesWith: {slug: $X}}) { totalCount edges { node { kind } } } }`, slug, absent, []string{public}},
		{"objective hasLaunchesWith", `{ objectives(first: 10, where: {hasLaunchesWith: {slug: $X}}) { totalCount edges { node { text } } } }`, slug, absent, []string{public}},
		{"guideline set hasLaunchesWith", `{ guidelineSets(first: 10, where: {hasLaunchesWith: {slug: $X}}) { totalCount } }`, slug, absent, []string{public}},
		{"session hasLaunchWith", `{ sessions(first: 10, where: {hasLaunchWith: {slug: $X}}) { totalCount } }`, slug, absent, []string{public}},
		{"speaker hasSessionsWith hasLaunchWith", `{ speakers(first: 10, where: {hasSessionsWith: {hasLaunchWith: {slug: $X}}}) { totalCount edges { node { name } } } }`, slug, absent, []string{public}},
		{"speaker hasSessionsWith title", `{ speakers(first: 10, where: {hasSessionsWith: {title: $X}}) { totalCount } }`, sess, absentSess, []string{public}},
		{"guideline set hasSessionsWith", `{ guidelineSets(first: 10, where: {hasSessionsWith: {title: $X}}) { totalCount } }`, sess, absentSess, []string{public}},
		{"launch hasSessionsWith", `{ launches(first: 10, where: {hasSessionsWith: {title: $X}}) { totalCount } }`, sess, absentSess, []string{public}},
		{"draft status through an edge", `{ regions(first: 10, where: {hasLaunchesWith: {status: DRAFT, slugNEQ: $X}}) { totalCount } }`, absent, slug, []string{public}},
		{"deep edge chain", `{ guidelineSets(first: 10, where: {hasSessionsWith: {hasSpeakersWith: {hasSessionsWith: {hasLaunchWith: {slug: $X}}}}}) { totalCount } }`, slug, absent, []string{public}},
		{"not", `{ regions(first: 10, where: {not: {hasLaunchesWith: {slug: $X}}}) { totalCount } }`, slug, absent, []string{public}},
		{"or", `{ formats(first: 10, where: {or: [{hasLaunchesWith: {slug: $X}}, {kind: TRAINING}]}) { totalCount } }`, slug, absent, []string{public}},
		{"nested connection", `{ regions(first: 10) { edges { node { launches(first: 10, where: {hasSessionsWith: {title: $X}}) { totalCount } } } } }`, sess, absentSess, []string{public}},
		{"nested connection of nested", `{ objectives(first: 10) { edges { node { launches(first: 10) { edges { node { sessions(first: 10, where: {hasLaunchWith: {slug: $X}}) { totalCount } } } } } } } }`, slug, absent, []string{public}},
		{"registrant email", `{ registrants(first: 10, where: {emailContainsFold: $X}) { totalCount } }`, "rita", "nobody", []string{public, partner}},
		{"registrant launch", `{ registrants(first: 10, where: {hasLaunchWith: {slug: $X}}) { totalCount } }`, slug, absent, []string{public, partner}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secretQ, absentQ := fill(tt.query, tt.secret), fill(tt.query, tt.no)
			if a, b := env.post(t, admin, secretQ, nil), env.post(t, admin, absentQ, nil); bytes.Equal(a, b) {
				t.Fatalf("admin cannot tell the probes apart either, so the test proves nothing: %s", a)
			}
			for _, role := range tt.roles {
				if a, b := env.post(t, role, secretQ, nil), env.post(t, role, absentQ, nil); !bytes.Equal(a, b) {
					t.Errorf("%s tells a hidden row from none:\n%s\n%s", role, a, b)
				}
			}
		})
	}

	// A launch given by id alone (read by admins through the rows' own launch_id): the
	// draft's id answers as an id no launch has.
	draftID, noID := strconv.Itoa(env.f.Draft.ID), strconv.Itoa(env.f.Draft.ID+1_000_000)
	for byID, roles := range map[string][]string{
		`query($x: ID!) { sessions(first: 10, where: {hasLaunchWith: {id: $x}}) { totalCount edges { node { title } } } }`: {public},
		`query($x: ID!) { registrants(first: 10, where: {hasLaunchWith: {id: $x}}) { totalCount } }`:                       {public, partner},
	} {
		probe := func(role, x string) []byte { return env.post(t, role, byID, map[string]any{"x": x}) }
		if bytes.Equal(probe(admin, draftID), probe(admin, noID)) {
			t.Fatalf("admin cannot tell the draft's id from none: %s", probe(admin, draftID))
		}
		for _, role := range roles {
			if a, b := probe(role, draftID), probe(role, noID); !bytes.Equal(a, b) {
				t.Errorf("%s tells the draft's id from none with %s:\n%s\n%s", role, byID, a, b)
			}
		}
	}

	// The same filter through a variable.
	const q = `query($w: RegionWhereInput) { regions(first: 10, where: $w) { totalCount } }`
	probe := func(role, v string) []byte {
		return env.post(t, role, q, map[string]any{"w": map[string]any{"hasLaunchesWith": []any{map[string]any{"slug": v}}}})
	}
	if a, b := probe(public, slug), probe(public, absent); !bytes.Equal(a, b) {
		t.Errorf("variable filter: public tells a hidden row from none:\n%s\n%s", a, b)
	}
	// A launch filter on registrants does not exist at all.
	resp := postGQL(t, env.url, `{ launches(first: 10, where: {hasRegistrantsWith: {emailContains: "@"}}) { totalCount } }`, nil)
	if resp.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("hasRegistrantsWith: %+v, want GRAPHQL_VALIDATION_FAILED", resp.Errors)
	}
}

// testBooleanEdgeFilters: `hasX: true/false` counts only the X the viewer sees.
func testBooleanEdgeFilters(t *testing.T, env *authzEnv) {
	tests := []struct {
		name  string
		query string
		want  map[string]string // partner sees as admin
	}{
		{"regions without launches", `{ regions(first: 10, where: {hasLaunches: false}) { totalCount edges { node { key: code } } } }`,
			map[string]string{public: "ASP", admin: ""}},
		{"regions with launches", `{ regions(first: 10, where: {hasLaunches: true}) { totalCount edges { node { key: code } } } }`,
			map[string]string{public: "AFR AMS ARB CIS EUR", admin: "AFR AMS ARB ASP CIS EUR"}},
		{"formats without launches", `{ formats(first: 10, where: {hasLaunches: false}) { totalCount edges { node { key: kind } } } }`,
			map[string]string{public: "HIGH_LEVEL_PANEL", admin: ""}},
		{"launches with sessions", `{ launches(first: 10, where: {hasSessions: true}) { totalCount edges { node { key: slug } } } }`,
			map[string]string{public: "africa-2020 cis-2020", admin: "africa-2020 cis-2020 secret-draft"}},
		{"speakers with sessions", `{ speakers(first: 10, where: {hasSessions: true}) { totalCount edges { node { key: name } } } }`,
			map[string]string{public: "Shared Speaker", admin: "Secret Speaker Shared Speaker"}},
		{"speakers without sessions", `{ speakers(first: 10, where: {hasSessions: false}) { totalCount edges { node { key: name } } } }`,
			map[string]string{public: "", admin: "Unassigned Speaker"}},
		{"nested connection", `{ regions(first: 10, where: {code: "ASP"}) { edges { node { key: code launches(first: 10, where: {hasSessions: true}) { totalCount edges { node { key: slug } } } } } } }`,
			map[string]string{public: "ASP", admin: "ASP secret-draft"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, role := range roles {
				want, ok := tt.want[role]
				if !ok {
					want = tt.want[admin]
				}
				if got := strings.Join(keys(env.data(t, role, tt.query, nil)), " "); got != want {
					t.Errorf("%s sees %q, want %q", role, got, want)
				}
			}
		})
	}
}

// schemaInputs lists, from introspection, the edge filters of every where input that reach
// launches, sessions or registrants, and the root connection taking each where input.
type edgeFilter struct{ root, field, target string }

func edgeFilters(t *testing.T, env *authzEnv) []edgeFilter {
	t.Helper()
	var schema struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
					Args []struct {
						Name string
						Type struct{ Name string }
					}
				}
			}
			Types []struct {
				Name        string
				InputFields []struct {
					Name string
					Type typeRef
				}
			}
		} `json:"__schema"`
	}
	raw := env.data(t, public, `{ __schema { queryType { fields { name args { name type { name } } } }
		types { name inputFields { name type { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } }`, nil)
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	roots := map[string]string{} // where input → root field
	for _, f := range schema.Schema.QueryType.Fields {
		for _, a := range f.Args {
			if a.Name == "where" {
				roots[a.Type.Name] = f.Name
			}
		}
	}
	var out []edgeFilter
	for _, typ := range schema.Schema.Types {
		for _, in := range typ.InputFields {
			target := in.Type.named()
			if !strings.HasPrefix(in.Name, "has") || !strings.HasSuffix(in.Name, "With") ||
				(target != "LaunchWhereInput" && target != "SessionWhereInput" && target != "RegistrantWhereInput") {
				continue
			}
			root, ok := roots[typ.Name]
			if !ok {
				t.Errorf("%s.%s reaches %s but no root field takes %s: add a probe for it", typ.Name, in.Name, target, typ.Name)
				continue
			}
			out = append(out, edgeFilter{root: root, field: in.Name, target: target})
		}
	}
	return out
}

type typeRef struct {
	Name   string
	Kind   string
	OfType *typeRef
}

func (r typeRef) named() string {
	if r.OfType != nil {
		return r.OfType.named()
	}
	return r.Name
}

// testEveryEdgeFilter probes every edge filter the schema has, so that a new edge cannot
// escape the guard: a hidden row is no oracle, and `hasX: b` means "has (no) visible X".
func testEveryEdgeFilter(t *testing.T, env *authzEnv) {
	filters := edgeFilters(t, env)
	if len(filters) < 9 {
		t.Fatalf("found %d edge filters, want at least the 9 known: %+v", len(filters), filters)
	}
	probes := map[string]struct{ secret, absent, visible string }{
		"LaunchWhereInput":     {`{slug: "secret-draft"}`, `{slug: "no-such-launch"}`, `{statusNEQ: DRAFT}`},
		"SessionWhereInput":    {`{title: "Secret session"}`, `{title: "No such session"}`, `{hasLaunchWith: {statusNEQ: DRAFT}}`},
		"RegistrantWhereInput": {`{emailContainsFold: "rita"}`, `{emailContainsFold: "nobody"}`, `{idIn: []}`},
	}
	for _, ef := range filters {
		t.Run(ef.root+"."+ef.field, func(t *testing.T) {
			p := probes[ef.target]
			q := func(where string) string { return fmt.Sprintf(`{ %s(where: %s) { totalCount } }`, ef.root, where) }
			viewers := []string{public}
			if ef.target == "RegistrantWhereInput" {
				viewers = append(viewers, partner)
			}
			has := strings.TrimSuffix(ef.field, "With")
			for _, role := range viewers {
				if a, b := env.post(t, role, q(fmt.Sprintf("{%s: [%s]}", ef.field, p.secret)), nil),
					env.post(t, role, q(fmt.Sprintf("{%s: [%s]}", ef.field, p.absent)), nil); !bytes.Equal(a, b) {
					t.Errorf("%s: %s tells a hidden row from none:\n%s\n%s", role, ef.field, a, b)
				}
				for _, b := range []bool{true, false} {
					plain := env.post(t, role, q(fmt.Sprintf("{%s: %t}", has, b)), nil)
					visible := fmt.Sprintf("{%s: [%s]}", ef.field, p.visible)
					if !b {
						visible = "{not: " + visible + "}"
					}
					if explicit := env.post(t, role, q(visible), nil); !bytes.Equal(plain, explicit) {
						t.Errorf("%s: %s: %t answers %s, want as %s: %s", role, has, b, plain, visible, explicit)
					}
				}
			}
		})
	}
}

// testOrderFields: every order field is a scalar field of its own type, so no ordering
// by an edge (count or field) can reveal hidden rows.
func testOrderFields(t *testing.T, env *authzEnv) {
	var schema struct {
		Schema struct {
			Types []struct {
				Name       string
				Kind       string
				EnumValues []struct{ Name string }
				Fields     []struct {
					Name string
					Type typeRef
				}
			}
		} `json:"__schema"`
	}
	raw := env.data(t, public, `{ __schema { types { name kind enumValues { name }
		fields { name type { name kind ofType { name kind ofType { name kind } } } } } } }`, nil)
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	scalar := map[string]bool{} // "Type.field" of scalar and enum fields
	for _, typ := range schema.Schema.Types {
		for _, f := range typ.Fields {
			k := f.Type
			for k.OfType != nil && k.Kind == "NON_NULL" {
				k = *k.OfType
			}
			if k.Kind == "SCALAR" || k.Kind == "ENUM" {
				scalar[typ.Name+"."+f.Name] = true
			}
		}
	}
	n := 0
	for _, typ := range schema.Schema.Types {
		owner, ok := strings.CutSuffix(typ.Name, "OrderField")
		if typ.Kind != "ENUM" || !ok {
			continue
		}
		for _, v := range typ.EnumValues {
			n++
			if field := lowerCamelEnum(v.Name); !scalar[owner+"."+field] {
				t.Errorf("%s.%s orders by %s.%s, which is not a scalar field of %s", typ.Name, v.Name, owner, field, owner)
			}
		}
	}
	if n == 0 {
		t.Fatal("no order fields found")
	}
}

// lowerCamelEnum turns STARTS_AT into startsAt.
func lowerCamelEnum(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// publishedSession returns a session of a new PUBLISHED launch, as trusted code.
func publishedSession(tb testing.TB, client *ent.Client) *ent.Session {
	tb.Helper()
	ctx := context.Background()
	start := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	r := client.Region.Create().SetCode("TST").SetName("Test").SetDefaultTimezone("UTC").SaveX(ctx)
	f := client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("Forum").SaveX(ctx)
	l := client.Launch.Create().SetSlug("published").SetTitle("Published").
		SetRegion(r).SetFormat(f).SetStatus(launch.StatusPUBLISHED).
		SetStartsAt(start).SetEndsAt(start.Add(8 * time.Hour)).SetTimezone("UTC").SaveX(ctx)
	return client.Session.Create().SetLaunch(l).SetTitle("Session").SetKind(session.KindPANEL).
		SetStartsAt(l.StartsAt).SetEndsAt(l.EndsAt).SaveX(ctx)
}
