package outbox_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/registrant"
	"launchgraph/internal/auth"
	"launchgraph/internal/opt"
	"launchgraph/internal/outbox"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

const (
	from      = "COP 2020 Launches <no-reply@launches.test>"
	publicURL = "https://launches.test"
)

func publicCtx() context.Context {
	return auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Public})
}

func adminCtx() context.Context {
	return auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Admin, KeyID: 1, KeyName: "test-admin"})
}

// fixture is a store with a registration service writing to an outbox.
type fixture struct {
	db       *store.DB
	ob       *outbox.Outbox
	svc      *registration.Service
	regionID int
	formatID int
	n        atomic.Int64
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	region := db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").SaveX(ctx)
	format := db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").SaveX(ctx)
	ob := outbox.New(outbox.Renderer{From: from, PublicURL: publicURL})
	return &fixture{db: db, ob: ob, svc: registration.NewService(db.Client, registration.WithNotifier(ob)),
		regionID: region.ID, formatID: format.ID}
}

// launch creates a PUBLISHED launch a month ahead in Zurich, adjusted by mods.
func (f *fixture) launch(t testing.TB, mods ...func(*ent.LaunchCreate)) *ent.Launch {
	t.Helper()
	i := f.n.Add(1)
	start := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	c := f.db.Client.Launch.Create().
		SetSlug(fmt.Sprintf("launch-%d", i)).SetTitle(fmt.Sprintf("Launch %d", i)).
		SetRegionID(f.regionID).SetFormatID(f.formatID).SetStatus("PUBLISHED").
		SetStartsAt(start).SetEndsAt(start.Add(6 * time.Hour)).SetTimezone("Europe/Zurich").
		SetTimeConfirmed(true).SetVenue("Palais des Nations, Geneva")
	for _, m := range mods {
		m(c)
	}
	return c.SaveX(context.Background())
}

func (f *fixture) register(t testing.TB, launchID int, email string, mods ...func(*registration.Input)) *registration.Result {
	t.Helper()
	in := registration.Input{LaunchID: launchID, Name: "Person " + email, Email: email, Consent: true}
	for _, m := range mods {
		m(&in)
	}
	res, err := f.svc.Register(publicCtx(), in)
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return res
}

func (f *fixture) sender(t testing.TB, transport outbox.Transport, cfg outbox.SenderConfig) *outbox.Sender {
	cfg.From = from
	s := outbox.NewSender(f.db, f.ob, transport, cfg, nil, nil)
	t.Cleanup(s.Close)
	return s
}

func smtpTransport(t testing.TB, m *mailServer) outbox.Transport {
	t.Helper()
	return smtpURLTransport(t, m.url())
}

func smtpURLTransport(t testing.TB, url string) outbox.Transport {
	t.Helper()
	tr, err := outbox.NewSMTP(url)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// drain runs s until a round claims nothing.
func drain(t testing.TB, s *outbox.Sender) {
	t.Helper()
	for {
		n, err := s.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("sender: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

func notifications(t testing.TB, db *store.DB) []*ent.Notification {
	t.Helper()
	return db.Client.Notification.Query().Order(notification.ByID()).AllX(context.Background())
}

// hasBody reports whether n still holds what must be erased once it is sent or failed: its
// sealed manage token (ent reads NULL as a pointer to nil).
func hasBody(n *ent.Notification) bool { return n.SealedToken != nil && len(*n.SealedToken) > 0 }

func ptr[T any](v T) *T { return &v }

// TestDeliverOverSMTP: registrations, a cancellation and the promotion it causes reach a
// real SMTP server with their subjects, parts, manage link and calendar; the bodies are
// erased once sent.
func TestDeliverOverSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := startMailServer(t)
		l := f.launch(t, func(c *ent.LaunchCreate) { c.SetCapacity(1).SetWaitlistEnabled(true) })
		a := f.register(t, l.ID, "ana@example.org", func(in *registration.Input) { in.Language = ptr("fr") })
		b := f.register(t, l.ID, "bo@example.org")
		s := f.sender(t, smtpTransport(t, m), outbox.SenderConfig{})
		drain(t, s)

		got := m.messages()
		if len(got) != 2 {
			t.Fatalf("received %d messages, want 2", len(got))
		}
		tests := []struct {
			to, subject, status string
			token               string
			ics                 bool
		}{
			{"ana@example.org", "Inscription confirmée : Launch 1", "confirmée", a.ManageToken, true},
			{"bo@example.org", "You are on the waitlist: Launch 1", "Waitlist position: 1", b.ManageToken, false},
		}
		for i, tt := range tests {
			if len(got[i].To) != 1 || got[i].To[0] != tt.to {
				t.Errorf("message %d to %v, want %s", i, got[i].To, tt.to)
			}
			if got[i].From != "no-reply@launches.test" {
				t.Errorf("message %d envelope from %q", i, got[i].From)
			}
			p := parseMessage(t, got[i].Data)
			if p.Subject != tt.subject {
				t.Errorf("message %d subject %q, want %q", i, p.Subject, tt.subject)
			}
			link := publicURL + "/manage?token=" + url.QueryEscape(tt.token)
			if !strings.Contains(p.Text, link) || !strings.Contains(p.HTML, `href="`+link+`"`) {
				t.Errorf("message %d lacks the manage link %s:\n%s\n%s", i, link, p.Text, p.HTML)
			}
			for _, want := range []string{"Launch 1", "2027-03-10 10:00 – 2027-03-10 16:00 Europe/Zurich",
				"2027-03-10 09:00 – 2027-03-10 15:00 UTC", "Palais des Nations, Geneva"} {
				if !strings.Contains(p.Text, want) || !strings.Contains(p.HTML, want) {
					t.Errorf("message %d text or HTML lacks %q:\n%s", i, want, p.Text)
				}
			}
			if !strings.Contains(p.Text, tt.status) {
				t.Errorf("message %d text lacks %q:\n%s", i, tt.status, p.Text)
			}
			ics, ok := p.Attachments["launch.ics"]
			if ok != tt.ics {
				t.Errorf("message %d has ics %v, want %v", i, ok, tt.ics)
			}
			if ok && (!strings.Contains(ics, "BEGIN:VEVENT") || !strings.Contains(ics, "SUMMARY:Launch 1")) {
				t.Errorf("message %d ics:\n%s", i, ics)
			}
		}

		// a cancels: a is told, b is promoted and told, with the calendar.
		if _, err := f.svc.Cancel(publicCtx(), a.ManageToken); err != nil {
			t.Fatal(err)
		}
		drain(t, s)
		got = m.messages()
		if len(got) != 4 {
			t.Fatalf("received %d messages, want 4", len(got))
		}
		kinds := map[string]string{}
		for _, r := range got[2:] {
			p := parseMessage(t, r.Data)
			kinds[r.To[0]] = p.Subject
			if strings.Contains(p.Text, "/manage?token=") {
				t.Errorf("message to %s has a manage link but the token is not known", r.To[0])
			}
			if r.To[0] == "bo@example.org" && p.Attachments["launch.ics"] == "" {
				t.Error("promotion to CONFIRMED has no ics")
			}
		}
		want := map[string]string{"ana@example.org": "Inscription annulée : Launch 1", "bo@example.org": "A seat is now yours: Launch 1"}
		for to, subj := range want {
			if kinds[to] != subj {
				t.Errorf("to %s subject %q, want %q", to, kinds[to], subj)
			}
		}
		for _, n := range notifications(t, db) {
			if n.Status != notification.StatusSENT || hasBody(n) || n.SentAt == nil || n.Attempts != 1 {
				t.Errorf("notification %d: status %s body %v sentAt %v attempts %d, want SENT, none, set, 1",
					n.ID, n.Status, hasBody(n), n.SentAt, n.Attempts)
			}
		}
	})
}

// TestRolledBackRegistrationSendsNothing: a registration in a transaction that rolls back
// leaves no notification.
func TestRolledBackRegistrationSendsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := startMailServer(t)
		l := f.launch(t)
		tx, err := db.Client.Tx(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ctx := ent.NewTxContext(publicCtx(), tx)
		_, err = f.svc.Register(ctx, registration.Input{LaunchID: l.ID, Name: "X", Email: "x@example.org", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := tx.Notification.Query().CountX(context.Background()); n != 1 {
			t.Fatalf("inside the transaction: %d notifications, want 1", n)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		drain(t, f.sender(t, smtpTransport(t, m), outbox.SenderConfig{}))
		if n := len(notifications(t, db)); n != 0 {
			t.Errorf("%d notifications after rollback, want 0", n)
		}
		if n := len(m.messages()); n != 0 {
			t.Errorf("%d messages sent, want 0", n)
		}
	})
}

// TestFailures: 4xx is retried, 5xx fails at once, attempts run out; failed bodies are
// erased and Retry renders the message again.
func TestFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := startMailServer(t)
		m.rcptErr = func(to string) error {
			switch {
			case strings.HasPrefix(to, "temp"):
				return &gosmtp.SMTPError{Code: 451, Message: "try later"}
			case strings.HasPrefix(to, "perm"):
				return &gosmtp.SMTPError{Code: 550, Message: "no such user"}
			}
			return nil
		}
		l := f.launch(t)
		f.register(t, l.ID, "temp@example.org")
		f.register(t, l.ID, "perm@example.org")
		s := f.sender(t, smtpTransport(t, m), outbox.SenderConfig{MaxAttempts: 3, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
		for range 3 {
			if _, err := s.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		got := map[string]*ent.Notification{}
		for _, n := range notifications(t, db) {
			got[n.Recipient] = n
		}
		tests := []struct {
			to       string
			attempts int
			errPart  string
		}{
			{"temp@example.org", 3, "451"},
			{"perm@example.org", 1, "550"},
		}
		for _, tt := range tests {
			n := got[tt.to]
			if n.Status != notification.StatusFAILED || n.Attempts != tt.attempts || hasBody(n) || !strings.Contains(opt.Val(n.LastError), tt.errPart) {
				t.Errorf("%s: status %s attempts %d body %v lastError %q; want FAILED, %d, none, %s",
					tt.to, n.Status, n.Attempts, hasBody(n), opt.Val(n.LastError), tt.attempts, tt.errPart)
			}
		}
		m.rcptErr = nil
		n, err := f.ob.Retry(adminCtx(), db.Client, got["perm@example.org"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != notification.StatusPENDING || n.Attempts != 0 {
			t.Fatalf("after retry: %s %d, want PENDING 0", n.Status, n.Attempts)
		}
		if _, err := f.ob.Retry(adminCtx(), db.Client, n.ID); err == nil {
			t.Error("retrying a PENDING notification succeeded, want CONFLICT")
		}
		drain(t, s)
		if msgs := m.messages(); len(msgs) != 1 || msgs[0].To[0] != "perm@example.org" {
			t.Fatalf("after retry received %v", msgs)
		}
	})
}

// TestSMTPDownThenUp: 50 registrations while the SMTP server is down, then it comes up:
// every message is delivered exactly once.
func TestSMTPDownThenUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := startMailServer(t)
		m.down()
		l := f.launch(t)
		s := f.sender(t, smtpTransport(t, m), outbox.SenderConfig{
			Poll: 5 * time.Millisecond, Backoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, MaxAttempts: 1000})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { s.Run(ctx) })
		defer func() { cancel(); wg.Wait() }()

		const n = 50
		for i := range n {
			f.register(t, l.ID, fmt.Sprintf("p%02d@example.org", i))
		}
		waitFor(t, 10*time.Second, "retries", func() bool {
			return db.Client.Notification.Query().Where(notification.AttemptsGTE(2)).CountX(context.Background()) == n
		})
		if got := len(m.messages()); got != 0 {
			t.Fatalf("%d messages while down", got)
		}
		m.up(t)
		waitFor(t, 20*time.Second, "delivery", func() bool {
			return db.Client.Notification.Query().Where(notification.StatusEQ(notification.StatusSENT)).CountX(context.Background()) == n
		})
		time.Sleep(50 * time.Millisecond) // nothing more may arrive
		assertOnce(t, m.messages(), n)
	})
}

// assertOnce checks that n distinct recipients each received exactly one message.
func assertOnce(t *testing.T, got []received, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range got {
		seen[r.To[0]]++
	}
	if len(got) != n || len(seen) != n {
		t.Fatalf("received %d messages for %d recipients, want %d each once", len(got), len(seen), n)
	}
	for to, c := range seen {
		if c != 1 {
			t.Errorf("%s received %d messages", to, c)
		}
	}
}

// TestTwoSendersDrainOnce: two senders (two stores, as two replicas) on one PostgreSQL
// database drain 500 messages; each is delivered exactly once.
func TestTwoSendersDrainOnce(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, store.Config{URL: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db1, db2 := open(), open()
	if err := db1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db1)
	l := f.launch(t)
	const n = 500
	concurrentRegister(t, f, l.ID, n)
	m := startMailServer(t)
	start := time.Now()
	var wg sync.WaitGroup
	for _, db := range []*store.DB{db1, db2} {
		s := outbox.NewSender(db, f.ob, smtpTransport(t, m), outbox.SenderConfig{From: from}, nil, nil)
		t.Cleanup(s.Close)
		wg.Go(func() { drain(t, s) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	assertOnce(t, m.messages(), n)
	sent := db1.Client.Notification.Query().Where(notification.StatusEQ(notification.StatusSENT), notification.SealedTokenIsNil()).CountX(ctx)
	if sent != n {
		t.Errorf("%d SENT without body, want %d", sent, n)
	}
	t.Logf("two senders delivered %d messages in %v (%.0f messages/s)", n, elapsed, float64(n)/elapsed.Seconds())
}

// TestRenderFailureKeepsRegistration: a message that cannot be rendered (here, an invalid
// sender) never fails the registration it reports: the registrant commits, and the sender
// keeps the message FAILED with the reason.
func TestRenderFailureKeepsRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.ob = outbox.New(outbox.Renderer{From: "not an address", PublicURL: publicURL})
		f.svc = registration.NewService(db.Client, registration.WithNotifier(f.ob))
		l := f.launch(t)
		res := f.register(t, l.ID, "ana@example.org")
		if res.Registrant.Status != registrant.StatusCONFIRMED {
			t.Errorf("status %s, want CONFIRMED", res.Registrant.Status)
		}
		drain(t, f.sender(t, outbox.Files{Dir: t.TempDir()}, outbox.SenderConfig{}))
		ns := notifications(t, db)
		if len(ns) != 1 || ns[0].Status != notification.StatusFAILED || !strings.HasPrefix(opt.Val(ns[0].LastError), "render: ") || hasBody(ns[0]) {
			t.Fatalf("notifications = %+v, want one FAILED with a render error and no body", ns)
		}
	})
}

// concurrentRegister registers n addresses for launch launchID from 16 goroutines.
func concurrentRegister(t *testing.T, f *fixture, launchID, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				in := registration.Input{LaunchID: launchID, Name: "P", Email: fmt.Sprintf("p%03d@example.org", i), Consent: true}
				if _, err := f.svc.Register(publicCtx(), in); err != nil {
					t.Errorf("register %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
}

// TestBatchRendersEachRecipient: one batch of messages of one kind (whose bodies the
// sender renders once) greets each recipient by name, escaped in HTML, with their own
// manage link and waitlist position.
func TestBatchRendersEachRecipient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := startMailServer(t)
		l := f.launch(t, func(c *ent.LaunchCreate) { c.SetCapacity(0).SetWaitlistEnabled(true) })
		names := []string{`O"Brien <b>&`, "Ada + Eve", "محمد", "Zoë"}
		tokens := map[string]string{}
		for i, n := range names {
			res := f.register(t, l.ID, fmt.Sprintf("r%d@example.org", i), func(in *registration.Input) { in.Name = n })
			tokens[res.Registrant.Email] = res.ManageToken
		}
		drain(t, f.sender(t, smtpTransport(t, m), outbox.SenderConfig{}))
		got := m.messages()
		if len(got) != len(names) {
			t.Fatalf("received %d messages, want %d", len(got), len(names))
		}
		for _, r := range got {
			var i int
			if _, err := fmt.Sscanf(r.To[0], "r%d@example.org", &i); err != nil {
				t.Fatalf("recipient %s", r.To[0])
			}
			p := parseMessage(t, r.Data)
			escaped := strings.NewReplacer(`"`, "&#34;", "<", "&lt;", ">", "&gt;", "&", "&amp;", "+", "&#43;").Replace(names[i])
			link := publicURL + "/manage?token=" + url.QueryEscape(tokens[r.To[0]])
			if !strings.Contains(p.Text, names[i]) || !strings.Contains(p.HTML, escaped) {
				t.Errorf("message to %s does not greet %q:\n%s\n%s", r.To[0], names[i], p.Text, p.HTML)
			}
			if !strings.Contains(p.Text, link) || !strings.Contains(p.HTML, `href="`+link+`"`) {
				t.Errorf("message to %s lacks its manage link %s", r.To[0], link)
			}
			if want := fmt.Sprintf("Waitlist position: %d", i+1); !strings.Contains(p.Text, want) {
				t.Errorf("message to %s lacks %q:\n%s", r.To[0], want, p.Text)
			}
		}
	})
}
