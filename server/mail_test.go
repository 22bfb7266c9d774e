package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"launchgraph/ent/notification"
	"launchgraph/internal/outbox"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// TestRunWritesEMLWithoutSMTP: `go run ./server` with no SMTP_URL writes a readable .eml
// for a registration over HTTP, with the manage link, and erases the stored body.
func TestRunWritesEMLWithoutSMTP(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	region := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	l := db.Client.Launch.Create().SetSlug("mail").SetTitle("Mail launch").SetRegionID(region.ID).SetFormatID(format.ID).
		SetStatus("PUBLISHED").SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("Europe/Zurich").SaveX(ctx)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	url := startRun(t, map[string]string{"DATA_DIR": dir, "PUBLIC_URL": "https://launches.test/"})
	var got struct{ Register struct{ ManageToken string } }
	mustData(t, url, registerMutation, map[string]any{"input": regInput(l.ID, "ana@example.org")}, &got)

	var files []string
	deadline := time.Now().Add(10 * time.Second)
	for len(files) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		files, _ = filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	}
	if len(files) != 1 {
		t.Fatalf("%d .eml files in %s, want 1", len(files), filepath.Join(dir, "outbox"))
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("unreadable .eml: %v", err)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "ana@example.org") {
		t.Errorf("To %q", to)
	}
	raw, _ := os.ReadFile(files[0])
	// Quoted-printable may fold the link: compare without soft line breaks.
	body := strings.ReplaceAll(string(raw), "=\r\n", "")
	if !strings.Contains(body, "https://launches.test/manage?token=3D"+got.Register.ManageToken) &&
		!strings.Contains(body, "https://launches.test/manage?token="+got.Register.ManageToken) {
		t.Errorf(".eml lacks the manage link:\n%s", raw)
	}
}

// TestRetryNotification: admins list the outbox and put a FAILED message back; others may
// not.
func TestRetryNotification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		region := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
		format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
		start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
		l := db.Client.Launch.Create().SetSlug("mail").SetTitle("Mail launch").SetRegionID(region.ID).SetFormatID(format.ID).
			SetStatus("PUBLISHED").SetStartsAt(start).SetEndsAt(start.Add(time.Hour)).SetTimezone("Europe/Zurich").SaveX(ctx)
		srv, a := testAppWithoutSender(t, db)
		ob := a.outbox
		mustData(t, srv.URL, registerMutation, map[string]any{"input": regInput(l.ID, "ana@example.org")}, nil)
		n := db.Client.Notification.Query().OnlyX(ctx)
		db.Client.Notification.UpdateOne(n).SetStatus("FAILED").SetAttempts(8).ClearSealedToken().SetLastError("550 no").ExecX(ctx)

		const retry = `mutation($id: ID!) { retryNotification(id: $id) { id status attempts recipient kind } }`
		vars := map[string]any{"id": strconv.Itoa(n.ID)}
		if code := gqlAs(t, srv.URL, "", retry, vars).code(); code == "" {
			t.Error("anonymous retryNotification succeeded")
		}
		key := adminKey(t, db)
		var got struct {
			RetryNotification struct {
				Status, Recipient, Kind string
				Attempts                int
			}
		}
		dataAs(t, srv.URL, key, retry, vars, &got)
		want := struct {
			Status, Recipient, Kind string
			Attempts                int
		}{"PENDING", "ana@example.org", "REGISTERED", 0}
		if got.RetryNotification != want {
			t.Errorf("retryNotification = %+v, want %+v", got.RetryNotification, want)
		}
		var list struct {
			Notifications struct{ TotalCount int }
		}
		dataAs(t, srv.URL, key, `{ notifications(where: {status: PENDING}) { totalCount } }`, nil, &list)
		if list.Notifications.TotalCount != 1 {
			t.Errorf("pending notifications %d, want 1", list.Notifications.TotalCount)
		}
		// The sender renders the retried notification again and delivers it.
		if msg := sendOutbox(t, db, ob)[n.ID]; msg == nil {
			t.Error("retried notification has no message")
		}
	})
}

// TestMailConfig: the mail settings are read and checked; errors never show the SMTP
// password.
func TestMailConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		want    mailConfig
	}{
		{"defaults", nil, "", mailConfig{From: "COP 2020 Launches <no-reply@localhost>", PublicURL: "http://localhost:8080", MaxAttempts: 8}},
		{"set", map[string]string{"SMTP_URL": "smtps://u:secret@mail.example.org", "MAIL_FROM": "a@b.org",
			"PUBLIC_URL": "https://x.org/", "MAIL_MAX_ATTEMPTS": "3"}, "",
			mailConfig{SMTPURL: "smtps://u:secret@mail.example.org", From: "a@b.org", PublicURL: "https://x.org", MaxAttempts: 3}},
		{"bad attempts", map[string]string{"MAIL_MAX_ATTEMPTS": "0"}, "MAIL_MAX_ATTEMPTS", mailConfig{}},
		{"bad from", map[string]string{"MAIL_FROM": "nobody"}, "MAIL_FROM", mailConfig{}},
		{"bad public url", map[string]string{"PUBLIC_URL": "ftp://x"}, "PUBLIC_URL", mailConfig{}},
		{"bad scheme", map[string]string{"SMTP_URL": "http://u:secret@x"}, "scheme", mailConfig{}},
		{"bad starttls", map[string]string{"SMTP_URL": "smtp://u:secret@x?starttls=maybe"}, "starttls", mailConfig{}},
		{"not a url", map[string]string{"SMTP_URL": "smtp://u:secret@x:port"}, "SMTP_URL", mailConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig("serve", nil, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want it to contain %q and no password", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Mail != tt.want {
				t.Errorf("Mail = %+v, want %+v", got.Mail, tt.want)
			}
		})
	}
}

// TestHostileNamesRegister: names with quotes, commas, angle brackets, line breaks, RTL
// text, emoji or 200 bytes register over HTTP, and the email's To header parses back to
// exactly the stored name and address (issue 11.1: a `"` used to roll the registration back).
func TestHostileNamesRegister(t *testing.T) {
	names := []struct{ in, stored string }{
		{`O"Brien`, `O"Brien`},
		{`Tom "T@m"`, `Tom "T@m"`},
		{`=HYPERLINK("http://x/","x")`, `=HYPERLINK("http://x/","x")`},
		{`Anna "Ann" Müller`, `Anna "Ann" Müller`},
		{`Smith, John`, `Smith, John`},
		{`Eve <eve@evil.example>`, `Eve <eve@evil.example>`},
		{`a\b (c) ;:@[]`, `a\b (c) ;:@[]`},
		{`=?utf-8?q?hi?=`, `=?utf-8?q?hi?=`},
		{"Ada\r\nBcc: evil@example.org", "Ada Bcc: evil@example.org"},
		{"محمد \u202eالعربي", "محمد \u202eالعربي"},
		{"🦊 Fox 👩‍👩‍👧", "🦊 Fox 👩‍👩‍👧"},
		{strings.Repeat("é", 100), strings.Repeat("é", 100)},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := regLaunch(t, db)
		srv, a := testAppWithoutSender(t, db, func(c *config) { c.Mail.From = "COP 2020 Launches <no-reply@launches.test>" })
		ob := a.outbox
		c := newRegClient(srv.URL, "")
		noteOf := map[int]int{} // names index → notification id
		for i, n := range names {
			email := "hostile" + strconv.Itoa(i) + "@example.org"
			in := regInput(l.ID, email)
			in["name"] = n.in
			resp, body := c.post(t, registerMutation, map[string]any{"input": in})
			if len(resp.Errors) > 0 {
				t.Errorf("register %q: %s", n.in, body)
				continue
			}
			var got registerData
			if err := json.Unmarshal(resp.Data, &got); err != nil {
				t.Fatal(err)
			}
			if r := c.registration(t, got.Register.ManageToken); r == nil || r.Name != n.stored {
				t.Errorf("registration of %q reads %+v, want name %q", n.in, r, n.stored)
			}
			id, _ := strconv.Atoi(got.Register.Registrant.ID)
			noteOf[i] = db.Client.Notification.Query().Where(notification.RegistrantID(id)).OnlyIDX(ctx)
		}
		// One batch renders them all (with the bodies they share).
		sent := sendOutbox(t, db, ob)
		for i, id := range noteOf {
			n, email := names[i], "hostile"+strconv.Itoa(i)+"@example.org"
			raw := sent[id]
			if note := db.Client.Notification.GetX(ctx, id); note.Status != notification.StatusSENT || raw == nil {
				t.Errorf("notification of %q: status %s, last error %v", n.in, note.Status, note.LastError != nil)
				continue
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("message of %q: %v", n.in, err)
			}
			to, err := mail.ParseAddress(msg.Header.Get("To"))
			if err != nil || to.Name != n.stored || to.Address != email {
				t.Errorf("To %q parses to %+v (%v), want name %q <%s>", msg.Header.Get("To"), to, err, n.stored, email)
			}
		}
	})
}

// sendOutbox delivers ob's due notifications as .eml files and returns each message by
// notification id.
func sendOutbox(t *testing.T, db *store.DB, ob *outbox.Outbox) map[int][]byte {
	t.Helper()
	dir := t.TempDir()
	s := outbox.NewSender(db, ob, outbox.Files{Dir: dir}, outbox.SenderConfig{From: "no-reply@launches.test"}, nil, nil)
	for {
		n, err := s.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	out := map[int][]byte{}
	for _, f := range files {
		id, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".eml"))
		if err != nil {
			t.Fatal(err)
		}
		if out[id], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
