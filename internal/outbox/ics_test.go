package outbox_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/registrant"
	"launchgraph/internal/outbox"
	"launchgraph/internal/registration"
)

// TestAttachmentIsRFC5545: the .ics attachment's lines end in CRLF and are folded at 75
// octets (a long title in Cyrillic folds between characters, never inside one), and the
// manage link goes to MANAGE_URL when one is set.
func TestAttachmentIsRFC5545(t *testing.T) {
	start := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	title := strings.Repeat("Защита детей в интернете ", 8)
	l := &ent.Launch{ID: 7, Title: title, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Timezone: "Europe/Moscow", TimeConfirmed: true, Online: true}
	r := &ent.Registrant{ID: 1, LaunchID: 7, Name: "Eve", Email: "eve@example.org", Status: registrant.StatusCONFIRMED}
	for _, tt := range []struct{ manageURL, wantLink string }{
		{"", publicURL + "/manage?token=t%2Bk"},
		{"https://app.example.org/registration", "https://app.example.org/registration?token=t%2Bk"},
	} {
		got, err := outbox.Renderer{From: from, PublicURL: publicURL, ManageURL: tt.manageURL}.Render(
			registration.Notice{Kind: notification.KindREGISTERED, Registrant: r, ManageToken: "t+k"}, l)
		if err != nil {
			t.Fatal(err)
		}
		p := parseMessage(t, got.MIME)
		if !strings.Contains(p.Text, tt.wantLink) {
			t.Errorf("manage URL %q: text lacks %s:\n%s", tt.manageURL, tt.wantLink, p.Text)
		}
		ics := p.Attachments["launch.ics"]
		checkLines(t, ics)
		unfolded := strings.ReplaceAll(ics, "\r\n ", "")
		if !strings.Contains(unfolded, "SUMMARY:"+strings.TrimSpace(title)) {
			t.Errorf("unfolded calendar lacks the title:\n%s", unfolded)
		}
	}
}

// checkLines asserts RFC 5545 §3.1: every line ends in CRLF, none is longer than 75
// octets, and folding never splits a UTF-8 character.
func checkLines(t *testing.T, ics string) {
	t.Helper()
	if !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
		t.Fatalf("not a CRLF calendar: %q…", ics[:min(len(ics), 40)])
	}
	lines := strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n")
	folded := 0
	for i, line := range lines {
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Error("no folded line: the test needs a long property")
	}
}
