package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func TestTranslations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := newFeedKeys(t, db)
		p := newProgramme(t, db.Client)
		srv := testServer(t, db)
		id := fmt.Sprint(p.launch.ID)

		// Admins write translations through the update mutation, in the same mutation: its
		// one audit entry records them.
		var upd struct{ UpdateLaunch struct{ Title string } }
		dataAs(t, srv.URL, keys.admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {translations: [
			{lang: "fr", title: "Forum de Berlin"},
			{lang: "ru", title: "Берлинский форум", description: "Форум о защите детей в интернете."}
		]}) { title(lang: "fr") } }`, map[string]any{"id": id}, &upd)
		if upd.UpdateLaunch.Title != "Forum de Berlin" {
			t.Errorf("updateLaunch title(lang: fr) = %q", upd.UpdateLaunch.Title)
		}
		var audit struct {
			AuditEntries struct {
				Edges []struct {
					Node struct{ Changes []struct{ Field string } }
				}
			}
		}
		dataAs(t, srv.URL, keys.admin, `{ auditEntries(first: 10, where: {operation: "updateLaunch"}) { edges { node { changes { field } } } } }`, nil, &audit)
		if b, _ := json.Marshal(audit); string(b) != `{"AuditEntries":{"Edges":[{"Node":{"Changes":[{"Field":"translations"}]}}]}}` {
			t.Errorf("audit = %s, want one entry changing translations", b)
		}

		const q = `query($id: ID!, $lang: String) { node(id: $id) { ... on Launch {
			title(lang: $lang) titleLang(lang: $lang) description(lang: $lang) descriptionLang(lang: $lang) } } }`
		type texts struct{ Title, TitleLang, Description, DescriptionLang string }
		read := func(lang any, headers ...string) texts {
			var got struct{ Node texts }
			dataAs(t, srv.URL, "", q, map[string]any{"id": id, "lang": lang}, &got, headers...)
			return got.Node
		}
		en := texts{"Berlin forum", "en", "A forum on child online protection.", "en"}
		tests := []struct {
			name    string
			lang    any
			headers []string
			want    texts
		}{
			{"default", nil, nil, en},
			{"fr: title translated, description falls back", "fr", nil, texts{"Forum de Berlin", "fr", en.Description, "en"}},
			{"ru", "ru", nil, texts{"Берлинский форум", "ru", "Форум о защите детей в интернете.", "ru"}},
			{"a BCP 47 tag", "fr-CA", nil, texts{"Forum de Berlin", "fr", en.Description, "en"}},
			{"untranslated language", "es", nil, en},
			{"Accept-Language", nil, []string{"Accept-Language", "ru-RU, ru;q=0.9, en;q=0.5"}, texts{"Берлинский форум", "ru", "Форум о защите детей в интернете.", "ru"}},
			{"Accept-Language outside the six", nil, []string{"Accept-Language", "de-DE, de;q=0.9"}, en},
			{"lang wins over Accept-Language", "fr", []string{"Accept-Language", "ru"}, texts{"Forum de Berlin", "fr", en.Description, "en"}},
		}
		for _, tt := range tests {
			if got := read(tt.lang, tt.headers...); got != tt.want {
				t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
			}
		}
		// Through a connection too, where entgql selects columns by field: the texts need the
		// translations column whatever else is asked.
		var list struct {
			Launches struct {
				Edges []struct{ Node struct{ Title string } }
			}
		}
		dataAs(t, srv.URL, "", `{ launches(first: 1, where: {slug: "berlin-forum"}) { edges { node { title(lang: "ru") } } } }`, nil, &list)
		if len(list.Launches.Edges) != 1 || list.Launches.Edges[0].Node.Title != "Берлинский форум" {
			t.Errorf("connection: %+v", list)
		}

		resp := gqlAs(t, srv.URL, "", q, map[string]any{"id": id, "lang": "de"})
		if resp.code() != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != "lang" {
			t.Errorf("lang de: errors %+v, want BAD_USER_INPUT on lang", resp.Errors)
		}

		// Coverage, for admins only.
		const cov = `query($id: ID!) { node(id: $id) { ... on Launch { translationCoverage { lang translated missing complete } } } }`
		var got struct {
			Node struct{ TranslationCoverage json.RawMessage }
		}
		dataAs(t, srv.URL, keys.admin, cov, map[string]any{"id": id}, &got)
		want := `[{"lang":"ar","translated":[],"missing":["title","description"],"complete":false},` +
			`{"lang":"zh","translated":[],"missing":["title","description"],"complete":false},` +
			`{"lang":"en","translated":["title","description"],"missing":[],"complete":true},` +
			`{"lang":"fr","translated":["title"],"missing":["description"],"complete":false},` +
			`{"lang":"ru","translated":["title","description"],"missing":[],"complete":true},` +
			`{"lang":"es","translated":[],"missing":["title","description"],"complete":false}]`
		if string(got.Node.TranslationCoverage) != want {
			t.Errorf("coverage =\n%s\nwant\n%s", got.Node.TranslationCoverage, want)
		}
		if resp := gqlAs(t, srv.URL, keys.partner, cov, map[string]any{"id": id}); resp.code() != "FORBIDDEN" {
			t.Errorf("partner coverage: %+v, want FORBIDDEN", resp.Errors)
		}

		// Bad translations are refused on "translations" and change nothing.
		for _, bad := range []string{
			`[{lang: "en", title: "Berlin"}]`,
			`[{lang: "fr", title: "A"}, {lang: "fr-FR", title: "B"}]`,
			`[{lang: "fr", summary: "A launch has no summary"}]`,
			`[{lang: "tlh", title: "Klingon"}]`,
		} {
			resp := gqlAs(t, srv.URL, keys.admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {translations: `+bad+`}) { id } }`, map[string]any{"id": id})
			if resp.code() != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != "translations" {
				t.Errorf("translations %s: errors %+v, want BAD_USER_INPUT on translations", bad, resp.Errors)
			}
		}
		if got := read("fr"); got.Title != "Forum de Berlin" {
			t.Errorf("after refused updates, fr title = %q", got.Title)
		}

		// Other types: a session created with translations, a region updated with them.
		var created struct {
			CreateSession struct{ Title, TitleLang string }
		}
		dataAs(t, srv.URL, keys.admin, `mutation($l: ID!) { createSession(input: {launchID: $l, title: "Closing", kind: CLOSING,
			startsAt: "2020-10-25T15:00:00Z", endsAt: "2020-10-25T16:00:00Z", translations: [{lang: "zh", title: "闭幕"}]}) {
			title(lang: "zh") titleLang(lang: "zh") } }`, map[string]any{"l": id}, &created)
		if created.CreateSession.Title != "闭幕" || created.CreateSession.TitleLang != "zh" {
			t.Errorf("createSession = %+v", created.CreateSession)
		}
		var region struct {
			UpdateRegion struct{ Name, NameLang string }
		}
		dataAs(t, srv.URL, keys.admin, `mutation($id: ID!) { updateRegion(id: $id, input: {translations: [{lang: "ar", name: "أوروبا"}]}) {
			name nameLang } }`, map[string]any{"id": fmt.Sprint(p.launch.RegionID)}, &region, "Accept-Language", "ar")
		if region.UpdateRegion.Name != "أوروبا" || region.UpdateRegion.NameLang != "ar" {
			t.Errorf("updateRegion = %+v", region.UpdateRegion)
		}

		// clearTranslations removes them all.
		dataAs(t, srv.URL, keys.admin, `mutation($id: ID!) { updateLaunch(id: $id, input: {clearTranslations: true}) { id } }`, map[string]any{"id": id}, new(any))
		if got := read("ru"); got != en {
			t.Errorf("after clearTranslations: %+v, want English", got)
		}
	})
}
