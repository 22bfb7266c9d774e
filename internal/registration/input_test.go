package registration

import (
	"strings"
	"testing"

	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
)

func validInput() Input {
	return Input{LaunchID: 7, Name: "Ada Lovelace", Email: "Ada@Example.org", Consent: true}
}

func TestNormalize(t *testing.T) {
	in := validInput()
	in.Name = "  Zoe\u0301  " // decomposed é
	in.Organisation = ptr(" ITU ")
	in.JobTitle = ptr("")
	in.Country = ptr("ua")
	in.Language = ptr("FR")
	in.Stakeholder = ptr(registrant.StakeholderYOUTH)
	in.IdempotencyKey = ptr("0b6f3c3e-3d7e-4a2b-9d2a-8f1e6c1e2f3a")
	got, err := Normalize(in)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	want := Normalized{
		LaunchID: 7, Name: "Zo\u00e9", Email: "Ada@Example.org", EmailKey: "ada@example.org",
		Organisation: "ITU", Country: "UA", Language: "fr",
		Stakeholder: registrant.StakeholderYOUTH, Attendance: registrant.AttendanceONLINE,
		IdempotencyKey: "0b6f3c3e-3d7e-4a2b-9d2a-8f1e6c1e2f3a",
	}
	if got != want {
		t.Errorf("Normalize = %+v, want %+v", got, want)
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(*Input)
		wantCode  apperr.Code
		wantField string
	}{
		{"no launch", func(in *Input) { in.LaunchID = 0 }, apperr.BadUserInput, "launchId"},
		{"empty name", func(in *Input) { in.Name = "  " }, apperr.BadUserInput, "name"},
		{"long name", func(in *Input) { in.Name = strings.Repeat("é", 101) }, apperr.BadUserInput, "name"},
		{"control in name", func(in *Input) { in.Name = "Ada\x00" }, apperr.BadUserInput, "name"},
		{"bad utf-8", func(in *Input) { in.Name = "Ada\xff" }, apperr.BadUserInput, "name"},
		{"empty email", func(in *Input) { in.Email = "" }, apperr.BadUserInput, "email"},
		{"email without at", func(in *Input) { in.Email = "ada.example.org" }, apperr.BadUserInput, "email"},
		{"email with name", func(in *Input) { in.Email = "Ada <ada@example.org>" }, apperr.BadUserInput, "email"},
		{"email without dot", func(in *Input) { in.Email = "ada@localhost" }, apperr.BadUserInput, "email"},
		{"email double dot", func(in *Input) { in.Email = "ada@example..org" }, apperr.BadUserInput, "email"},
		{"email ip literal", func(in *Input) { in.Email = "ada@[127.0.0.1]" }, apperr.BadUserInput, "email"},
		{"email too long", func(in *Input) { in.Email = strings.Repeat("a", 250) + "@x.org" }, apperr.BadUserInput, "email"},
		{"local part too long", func(in *Input) { in.Email = strings.Repeat("a", 65) + "@x.org" }, apperr.BadUserInput, "email"},
		{"long organisation", func(in *Input) { in.Organisation = ptr(strings.Repeat("x", 301)) }, apperr.BadUserInput, "organisation"},
		{"long job title", func(in *Input) { in.JobTitle = ptr(strings.Repeat("x", 301)) }, apperr.BadUserInput, "jobTitle"},
		{"unknown country", func(in *Input) { in.Country = ptr("XX") }, apperr.BadUserInput, "country"},
		{"country name", func(in *Input) { in.Country = ptr("Ukraine") }, apperr.BadUserInput, "country"},
		{"unknown stakeholder", func(in *Input) { in.Stakeholder = ptr(registrant.Stakeholder("ALIENS")) }, apperr.BadUserInput, "stakeholder"},
		{"unknown attendance", func(in *Input) { in.Attendance = ptr(registrant.Attendance("TELEPATHY")) }, apperr.BadUserInput, "attendance"},
		{"language not UN", func(in *Input) { in.Language = ptr("de") }, apperr.BadUserInput, "language"},
		{"short key", func(in *Input) { in.IdempotencyKey = ptr("abc") }, apperr.BadUserInput, "idempotencyKey"},
		{"key with space", func(in *Input) { in.IdempotencyKey = ptr("abcdefgh ijklmnop") }, apperr.BadUserInput, "idempotencyKey"},
		{"no consent", func(in *Input) { in.Consent = false }, apperr.ConsentRequired, "consent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.mod(&in)
			_, err := Normalize(in)
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("Normalize error = %v, want a coded error", err)
			}
			if e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("Normalize error = %s/%s (%v), want %s/%s", e.Code, e.Field, err, tt.wantCode, tt.wantField)
			}
		})
	}
}

func TestRequestHash(t *testing.T) {
	base, _ := Normalize(validInput())
	sameWithOtherKey := base
	sameWithOtherKey.IdempotencyKey = "another-key-entirely"
	if base.RequestHash() != sameWithOtherKey.RequestHash() {
		t.Error("the idempotency key changes the request hash")
	}
	other := base
	other.Name = "Ada King"
	if base.RequestHash() == other.RequestHash() {
		t.Error("another name gives the same request hash")
	}
	// Inputs that normalise alike hash alike.
	in := validInput()
	in.Name = "  Ada Lovelace "
	in.Organisation = ptr("")
	spaced, _ := Normalize(in)
	if spaced.RequestHash() != base.RequestHash() {
		t.Error("whitespace changes the request hash")
	}
}

// TestNormalizeNames: names are kept as typed, except that line breaks and tabs (a name
// pasted across lines) become one space; other control characters are refused.
func TestNormalizeNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{`O"Brien`, `O"Brien`},
		{`=HYPERLINK("http://x/","x")`, `=HYPERLINK("http://x/","x")`},
		{"Smith, <John>", "Smith, <John>"},
		{"Ada\r\nBcc: evil@example.org", "Ada Bcc: evil@example.org"},
		{"Ada \n\t Lovelace", "Ada Lovelace"},
		{"Ada\u2028Lovelace", "Ada Lovelace"},
		{"محمد \u202eالعربي", "محمد \u202eالعربي"},
		{"🦊 Fox 👩‍👩‍👧", "🦊 Fox 👩‍👩‍👧"},
		{"  Ada\n", "Ada"},
	}
	for _, tt := range tests {
		in := validInput()
		in.Name = tt.in
		got, err := Normalize(in)
		if err != nil {
			t.Errorf("Normalize(name %q): %v", tt.in, err)
			continue
		}
		if got.Name != tt.want {
			t.Errorf("Normalize(name %q).Name = %q, want %q", tt.in, got.Name, tt.want)
		}
	}
}
