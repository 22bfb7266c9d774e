package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// schemaTypes is what TestEveryMutationPayloadSelectable reads of the schema by introspection.
type schemaTypes map[string]introType

type introType struct {
	Kind   string
	Name   string
	Fields []struct {
		Name string
		Args []struct {
			Name string
			Type introRef
		}
		Type introRef
	}
}

type introRef struct {
	Kind   string
	Name   *string
	OfType *introRef
}

// named is the named type under any NON_NULL and LIST wrappers.
func (r introRef) named() (kind, name string) {
	for t := &r; t != nil; t = t.OfType {
		if t.Name != nil {
			return t.Kind, *t.Name
		}
	}
	return "", ""
}

func (r introRef) required() bool { return r.Kind == "NON_NULL" }

const introspectTypes = `{ __schema { mutationType { name } types { kind name
  fields { name args { name type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

// requiredArgs are values for the few object fields with a required argument.
var requiredArgs = map[string]string{"zones": `["UTC", "Asia/Tokyo"]`}

// selection selects every field of typeName down to depth levels of objects (leaves only
// at the last level), with a __typename on every object so that no set is empty.
func (s schemaTypes) selection(typeName string, depth int) string {
	t := s[typeName]
	if t.Kind == "UNION" || t.Kind == "INTERFACE" {
		return "{ __typename }"
	}
	parts := []string{"__typename"}
	for _, f := range t.Fields {
		var args []string
		skip := false
		for _, a := range f.Args {
			if !a.Type.required() {
				continue
			}
			v, ok := requiredArgs[a.Name]
			if !ok {
				skip = true
				break
			}
			args = append(args, a.Name+": "+v)
		}
		if skip {
			continue
		}
		call := f.Name
		if len(args) > 0 {
			call += "(" + strings.Join(args, ", ") + ")"
		}
		switch kind, name := f.Type.named(); kind {
		case "SCALAR", "ENUM":
			parts = append(parts, call)
		default:
			if depth > 1 {
				parts = append(parts, call+" "+s.selection(name, depth-1))
			}
		}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// TestEveryMutationPayloadSelectable calls every mutation of the schema (found by
// introspection: a new mutation without a step here fails the test) and selects every field
// of its payload three levels deep — what a confirmation page asks for, such as
// `register { manageToken registrant { launch { slug title } } }` (issue 12.1: that reply
// used to fail after the commit, losing the manage token). Every call must succeed.
func TestEveryMutationPayloadSelectable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		admin := adminKey(t, db)

		var intro struct {
			Schema struct {
				MutationType struct{ Name string }
				Types        []introType
			} `json:"__schema"`
		}
		dataAs(t, srv.URL, admin, introspectTypes, nil, &intro)
		types := schemaTypes{}
		for _, ty := range intro.Schema.Types {
			types[ty.Name] = ty
		}
		mutation := types[intro.Schema.MutationType.Name]

		ids := map[string]string{}
		lastID := func(data json.RawMessage, field string) string {
			var m map[string]struct{ ID string }
			_ = json.Unmarshal(data, &m)
			return m[field].ID
		}
		steps := payloadSteps(t, db, ids)
		seen := map[string]bool{}
		for _, step := range steps {
			var f *struct {
				Name string
				Args []struct {
					Name string
					Type introRef
				}
				Type introRef
			}
			for i := range mutation.Fields {
				if mutation.Fields[i].Name == step.name {
					f = &mutation.Fields[i]
				}
			}
			if f == nil {
				t.Fatalf("step %s: no such mutation", step.name)
			}
			seen[step.name] = true
			args, vars := step.args()
			_, payload := f.Type.named()
			sel := ""
			if kind, _ := f.Type.named(); kind == "OBJECT" {
				sel = types.selection(payload, 3)
			}
			q := fmt.Sprintf("mutation(%s) { %s(%s) %s }", step.decl, step.name, args, sel)
			key := admin
			if step.anonymous {
				key = ""
			}
			resp := gqlAs(t, srv.URL, key, q, vars)
			if errs := unexpected(resp.Errors, step.anonymous); len(errs) > 0 {
				t.Errorf("%s selecting every field: %+v\n%s", step.name, errs, q)
				continue
			}
			if id := lastID(resp.Data, step.name); id != "" {
				ids[step.name] = id
			}
			if step.after != nil {
				step.after(resp.Data)
			}
		}
		var missing []string
		for _, f := range mutation.Fields {
			if !seen[f.Name] {
				missing = append(missing, f.Name)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("mutations without a step in this test: %v", missing)
		}
	})
}

// keyOnly are fields that need a PARTNER or ADMIN key wherever they appear: an anonymous
// caller selecting them gets FORBIDDEN on that field and the rest of its reply.
var keyOnly = map[string]bool{"translationCoverage": true, "registrationStats": true}

// unexpected returns the errors other than an anonymous caller's FORBIDDEN on a keyOnly field.
func unexpected(errs []gqlError, anonymous bool) []gqlError {
	var out []gqlError
	for _, e := range errs {
		last := ""
		if len(e.Path) > 0 {
			last, _ = e.Path[len(e.Path)-1].(string)
		}
		if anonymous && keyOnly[last] && e.Extensions["code"] == "FORBIDDEN" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// payloadStep calls one mutation: decl declares the variables, args passes them.
type payloadStep struct {
	name      string
	decl      string
	args      func() (string, map[string]any)
	anonymous bool
	after     func(data json.RawMessage)
}

// payloadSteps are the mutations in an order where each finds what it needs: ids holds the
// id each earlier step returned, under the mutation's name.
func payloadSteps(t *testing.T, db *store.DB, ids map[string]string) []payloadStep {
	ctx := context.Background()
	future := "2031-05-04T09:00:00Z"
	futureEnd := "2031-05-04T17:00:00Z"
	var token, pendingID, confirmedID string
	one := func(name, decl, args string, vars func() map[string]any) payloadStep {
		return payloadStep{name: name, decl: decl, args: func() (string, map[string]any) { return args, vars() }}
	}
	input := func(v map[string]any) func() map[string]any {
		return func() map[string]any { return map[string]any{"input": v} }
	}
	idAnd := func(step string, v map[string]any) func() map[string]any {
		return func() map[string]any { return map[string]any{"id": ids[step], "input": v} }
	}
	justID := func(step string) func() map[string]any {
		return func() map[string]any { return map[string]any{"id": ids[step]} }
	}
	launchInput := func(slug string, extra map[string]any) func() map[string]any {
		return func() map[string]any {
			v := map[string]any{"slug": slug, "title": "Payload " + slug, "startsAt": future, "endsAt": futureEnd,
				"timezone": "Europe/Zurich", "regionID": ids["createRegion"], "formatID": ids["createFormat"],
				"status": "PUBLISHED", "objectiveIDs": []string{}, "languages": []string{"en", "fr"}}
			for k, x := range extra {
				v[k] = x
			}
			return map[string]any{"input": v}
		}
	}
	register := func(email string, then func(data json.RawMessage)) payloadStep {
		return payloadStep{name: "register", decl: "$input: RegisterInput!", anonymous: true,
			args: func() (string, map[string]any) {
				return "input: $input", map[string]any{"input": map[string]any{
					"launchId": ids["createLaunch"], "name": `O"Brien, Ana`, "email": email, "consent": true}}
			}, after: then}
	}
	regID := func(data json.RawMessage) string {
		var m struct {
			Register struct{ Registrant struct{ ID string } }
		}
		_ = json.Unmarshal(data, &m)
		return m.Register.Registrant.ID
	}
	return []payloadStep{
		one("createRegion", "$input: CreateRegionInput!", "input: $input", input(map[string]any{
			"code": "EUR", "name": "Europe", "defaultTimezone": "Europe/Zurich",
			"translations": []map[string]any{{"lang": "fr", "name": "Europe"}}})),
		one("updateRegion", "$id: ID!, $input: UpdateRegionInput!", "id: $id, input: $input", idAnd("createRegion", map[string]any{"name": "Europe (ITU)"})),
		one("createFormat", "$input: CreateFormatInput!", "input: $input", input(map[string]any{"kind": "ONE_DAY_FORUM", "name": "One-day forum"})),
		one("updateFormat", "$id: ID!, $input: UpdateFormatInput!", "id: $id, input: $input", idAnd("createFormat", map[string]any{"name": "Forum"})),
		one("createObjective", "$input: CreateObjectiveInput!", "input: $input", input(map[string]any{"text": "Protect children online."})),
		one("updateObjective", "$id: ID!, $input: UpdateObjectiveInput!", "id: $id, input: $input", idAnd("createObjective", map[string]any{"text": "Protect every child online."})),
		one("createLaunch", "$input: CreateLaunchInput!", "input: $input", launchInput("payload", map[string]any{"capacity": 1, "waitlistEnabled": true})),
		one("updateLaunch", "$id: ID!, $input: UpdateLaunchInput!", "id: $id, input: $input", idAnd("createLaunch", map[string]any{"title": "Payload launch"})),
		one("createGuidelineSet", "$input: CreateGuidelineSetInput!", "input: $input", input(map[string]any{"audience": "POLICY_MAKERS", "title": "Guidelines for policy-makers"})),
		one("updateGuidelineSet", "$id: ID!, $input: UpdateGuidelineSetInput!", "id: $id, input: $input", idAnd("createGuidelineSet", map[string]any{"title": "Guidelines"})),
		{name: "createSession", decl: "$input: CreateSessionInput!", args: func() (string, map[string]any) {
			return "input: $input", map[string]any{"input": map[string]any{"title": "Opening", "kind": "OPENING",
				"startsAt": future, "endsAt": "2031-05-04T10:00:00Z", "launchID": ids["createLaunch"]}}
		}},
		one("updateSession", "$id: ID!, $input: UpdateSessionInput!", "id: $id, input: $input", idAnd("createSession", map[string]any{"title": "Welcome"})),
		{name: "createSpeaker", decl: "$input: CreateSpeakerInput!", args: func() (string, map[string]any) {
			return "input: $input", map[string]any{"input": map[string]any{"name": "Doreen Bogdan-Martin", "sessionIDs": []string{ids["createSession"]}}}
		}},
		one("updateSpeaker", "$id: ID!, $input: UpdateSpeakerInput!", "id: $id, input: $input", idAnd("createSpeaker", map[string]any{"affiliation": "ITU"})),
		register("first@example.org", func(data json.RawMessage) {
			var m struct{ Register struct{ ManageToken string } }
			_ = json.Unmarshal(data, &m)
			token = m.Register.ManageToken
			confirmedID = regID(data)
		}),
		{name: "checkIn", decl: "$id: ID!", args: func() (string, map[string]any) {
			return "id: $id", map[string]any{"id": confirmedID}
		}},
		{name: "cancelRegistration", decl: "$token: String!", anonymous: true, args: func() (string, map[string]any) {
			return "token: $token", map[string]any{"token": token}
		}},
		{name: "updateLaunch", decl: "$id: ID!, $input: UpdateLaunchInput!", args: func() (string, map[string]any) {
			return "id: $id, input: $input", map[string]any{"id": ids["createLaunch"], "input": map[string]any{"requiresApproval": true}}
		}},
		register("second@example.org", func(data json.RawMessage) { pendingID = regID(data) }),
		{name: "approveRegistration", decl: "$id: ID!", args: func() (string, map[string]any) {
			return "id: $id", map[string]any{"id": pendingID}
		}},
		{name: "rejectRegistration", decl: "$id: ID!, $reason: String", args: func() (string, map[string]any) {
			return "id: $id, reason: $reason", map[string]any{"id": pendingID, "reason": "duplicate"}
		}, after: func(json.RawMessage) {
			n := db.Client.Notification.Query().FirstX(ctx)
			db.Client.Notification.UpdateOne(n).SetStatus("FAILED").ClearSealedToken().SetLastError("550 no").ExecX(ctx)
			ids["notification"] = strconv.Itoa(n.ID)
		}},
		one("retryNotification", "$id: ID!", "id: $id", justID("notification")),
		register("third@example.org", func(data json.RawMessage) { ids["third"] = regID(data) }),
		one("cancelRegistrationByAdmin", "$id: ID!", "id: $id", justID("third")),
		register("third@example.org", func(data json.RawMessage) { ids["third"] = regID(data) }),
		one("cancelRegistrationByAdmin", "$id: ID!", "id: $id", justID("third")),
		one("deleteSpeaker", "$id: ID!", "id: $id", justID("createSpeaker")),
		one("deleteSession", "$id: ID!", "id: $id", justID("createSession")),
		one("deleteObjective", "$id: ID!", "id: $id", justID("createObjective")),
		{name: "createLaunch", decl: "$input: CreateLaunchInput!", args: func() (string, map[string]any) {
			return "input: $input", launchInput("doomed", nil)()
		}, after: func(data json.RawMessage) {
			var m struct{ CreateLaunch struct{ ID string } }
			_ = json.Unmarshal(data, &m)
			ids["doomed"] = m.CreateLaunch.ID
		}},
		one("deleteLaunch", "$id: ID!", "id: $id", justID("doomed")),
	}
}
