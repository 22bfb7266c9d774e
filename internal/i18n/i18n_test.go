package i18n

import (
	"context"
	"encoding/json"
	"testing"

	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/apperr"
)

func TestMatch(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "en"},
		{"fr", "fr"},
		{"fr-CH, fr;q=0.9, en;q=0.8", "fr"},
		{"de-DE, de;q=0.9, es;q=0.5", "es"},
		{"de-DE", "en"},
		{"zh-Hans-CN", "zh"},
		{"zh-TW", "zh"},
		{"ar-EG", "ar"},
		{"ru;q=0.5, es;q=0.9", "es"},
		{"*", "en"},
		{"not a header;;", "en"},
	}
	for _, tt := range tests {
		if got := Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"fr": "fr", "FR": "fr", "fr-CA": "fr", "zh-Hans": "zh", "es-419": "es", " ru ": "ru", "en-GB": "en"} {
		if got, err := Parse("lang", in); got != want || err != nil {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "de", "xx", "tlh", "english"} {
		_, err := Parse("lang", in)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.BadUserInput || e.Field != "lang" {
			t.Errorf("Parse(%q): err = %v, want BAD_USER_INPUT on lang", in, err)
		}
	}
}

func ptr(s string) *string { return &s }

func TestText(t *testing.T) {
	tr := map[string]schematype.Translation{
		"fr": {Title: ptr("Lancement"), Description: ptr("")},
		"ru": {Title: ptr("Запуск")},
	}
	ctx := context.Background()
	ru := WithRequest(ctx, "ru")
	tests := []struct {
		name        string
		ctx         context.Context
		lang        *string
		f           Field
		text, lang2 string
	}{
		{"default", ctx, nil, FieldTitle, "Launch", "en"},
		{"translated", ctx, ptr("fr"), FieldTitle, "Lancement", "fr"},
		{"empty translation falls back", ctx, ptr("fr"), FieldDescription, "About", "en"},
		{"missing translation falls back", ctx, ptr("ru"), FieldDescription, "About", "en"},
		{"untranslated language", ctx, ptr("ar"), FieldTitle, "Launch", "en"},
		{"request language", ru, nil, FieldTitle, "Запуск", "ru"},
		{"argument wins", ru, ptr("fr"), FieldTitle, "Lancement", "fr"},
		{"English asked", ru, ptr("en"), FieldTitle, "Launch", "en"},
	}
	for _, tt := range tests {
		def := map[Field]string{FieldTitle: "Launch", FieldDescription: "About"}[tt.f]
		text, err := Text(tt.ctx, tr, tt.f, def, tt.lang)
		served, err2 := Served(tt.ctx, tr, tt.f, def, tt.lang)
		if text != tt.text || served != tt.lang2 || err != nil || err2 != nil {
			t.Errorf("%s: %q in %q (%v, %v), want %q in %q", tt.name, text, served, err, err2, tt.text, tt.lang2)
		}
	}
	if _, err := Text(ctx, tr, FieldTitle, "Launch", ptr("de")); err == nil {
		t.Error("lang de: no error")
	}
}

func TestFromInput(t *testing.T) {
	got, err := FromInput("Launch", []*TranslationInput{{Lang: "fr-FR", Title: ptr("Lancement")}, {Lang: "ar", Description: ptr("وصف")}})
	if b, _ := json.Marshal(got); err != nil || string(b) != `{"ar":{"description":"وصف"},"fr":{"title":"Lancement"}}` {
		t.Errorf("FromInput = %s, %v", b, err)
	}
	if got, err := FromInput("Region", nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty list: %v, %v; want an empty map (clears)", got, err)
	}
	long := string(make([]byte, 301))
	for _, c := range []struct {
		typ string
		in  []*TranslationInput
	}{
		{"Launch", []*TranslationInput{{Lang: "en", Title: ptr("x")}}},
		{"Launch", []*TranslationInput{{Lang: "fr", Title: ptr("x")}, {Lang: "fr", Title: ptr("y")}}},
		{"Launch", []*TranslationInput{{Lang: "fr", Summary: ptr("x")}}},
		{"Region", []*TranslationInput{{Lang: "fr", Title: ptr("x")}}},
		{"Objective", []*TranslationInput{{Lang: "de", Text: ptr("x")}}},
		{"Session", []*TranslationInput{{Lang: "es", Title: &long}}},
	} {
		_, err := FromInput(c.typ, c.in)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.BadUserInput || e.Field != "translations" {
			t.Errorf("%s %+v: err = %v, want BAD_USER_INPUT on translations", c.typ, *c.in[0], err)
		}
	}
}

func TestCoverageOf(t *testing.T) {
	tr := map[string]schematype.Translation{"fr": {Title: ptr("Lancement")}, "es": {Title: ptr("Lanzamiento"), Description: ptr("Acerca de")}}
	got := CoverageOf(tr, Fields["Launch"], map[Field]string{FieldTitle: "Launch", FieldDescription: "About"})
	b, _ := json.Marshal(got)
	want := `[{"Lang":"ar","Translated":[],"Missing":["title","description"],"Complete":false},` +
		`{"Lang":"zh","Translated":[],"Missing":["title","description"],"Complete":false},` +
		`{"Lang":"en","Translated":["title","description"],"Missing":[],"Complete":true},` +
		`{"Lang":"fr","Translated":["title"],"Missing":["description"],"Complete":false},` +
		`{"Lang":"ru","Translated":[],"Missing":["title","description"],"Complete":false},` +
		`{"Lang":"es","Translated":["title","description"],"Missing":[],"Complete":true}]`
	if string(b) != want {
		t.Errorf("CoverageOf =\n%s\nwant\n%s", b, want)
	}
	// An empty English text needs no translation.
	got = CoverageOf(nil, Fields["Launch"], map[Field]string{FieldTitle: "Launch"})
	if len(got[0].Missing) != 1 || got[0].Missing[0] != "title" {
		t.Errorf("empty description counted: %+v", got[0])
	}
}
