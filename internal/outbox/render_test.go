package outbox_test

import (
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/registrant"
	"launchgraph/internal/outbox"
	"launchgraph/internal/registration"
)

// TestRender renders one message per language and checks the subject, the direction, the
// escaping and that names and titles cannot add headers.
func TestRender(t *testing.T) {
	start := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	l := &ent.Launch{ID: 7, Title: "Launch <b>&</b>\r\nBcc: evil@example.org", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Timezone: "Asia/Dubai", TimeConfirmed: true, Online: true, OnlineURL: ptr("https://meet.example.org/cop")}
	tests := []struct {
		lang, wantLang, subjectPrefix, dir string
	}{
		{"en", "en", "Registration confirmed: ", "ltr"},
		{"fr", "fr", "Inscription confirmée : ", "ltr"},
		{"es", "es", "Inscripción confirmada: ", "ltr"},
		{"ru", "ru", "Регистрация подтверждена: ", "ltr"},
		{"zh", "zh", "报名已确认：", "ltr"},
		{"ar", "ar", "تم تأكيد التسجيل: ", "rtl"},
		{"", "en", "Registration confirmed: ", "ltr"},
		{"de", "en", "Registration confirmed: ", "ltr"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			r := &ent.Registrant{ID: 1, LaunchID: 7, Name: "Eve\r\nBcc: evil@example.org", Email: "eve@example.org",
				Status: registrant.StatusCONFIRMED, Language: ptr(tt.lang)}
			got, err := outbox.Renderer{From: from, PublicURL: publicURL}.Render(
				registration.Notice{Kind: notification.KindREGISTERED, Registrant: r, ManageToken: "tok"}, l)
			if err != nil {
				t.Fatal(err)
			}
			if got.Language != tt.wantLang {
				t.Errorf("language %q, want %q", got.Language, tt.wantLang)
			}
			p := parseMessage(t, got.MIME)
			wantSubject := tt.subjectPrefix + "Launch <b>&</b>  Bcc: evil@example.org"
			if p.Subject != wantSubject || got.Subject != wantSubject {
				t.Errorf("subject %q, want %q", p.Subject, wantSubject)
			}
			if bcc := p.Header.Get("Bcc"); bcc != "" {
				t.Errorf("injected Bcc header %q", bcc)
			}
			if to, err := p.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "eve@example.org" {
				t.Errorf("To %v (%v), want only eve@example.org", to, err)
			}
			if !strings.Contains(p.HTML, `dir="`+tt.dir+`"`) {
				t.Errorf("HTML lacks dir=%q", tt.dir)
			}
			if strings.Contains(p.HTML, "<b>&</b>") || !strings.Contains(p.HTML, "Launch &lt;b&gt;&amp;&lt;/b&gt;") {
				t.Error("HTML does not escape the title")
			}
			for _, want := range []string{"2027-03-10 13:00 – 2027-03-10 15:00 Asia/Dubai", "09:00 – 2027-03-10 11:00 UTC",
				"https://meet.example.org/cop", publicURL + "/manage?token=tok"} {
				if !strings.Contains(p.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, p.Text)
				}
			}
			if !strings.Contains(p.Attachments["launch.ics"], "BEGIN:VCALENDAR") {
				t.Error("no ics attachment for CONFIRMED")
			}
		})
	}
}
