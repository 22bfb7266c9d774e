package outbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/internal/opt"
	"launchgraph/internal/outbox"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// byRecipient returns the notifications by recipient.
func byRecipient(t testing.TB, db *store.DB) map[string]*ent.Notification {
	t.Helper()
	out := map[string]*ent.Notification{}
	for _, n := range notifications(t, db) {
		out[n.Recipient] = n
	}
	return out
}

// recipients lists the envelope recipients of got in order.
func recipients(got []received) []string {
	var out []string
	for _, r := range got {
		out = append(out, strings.Join(r.To, ","))
	}
	return out
}

// TestSMTPReplies: one batch where the server refuses some recipients for good (5xx) and
// some for now (4xx), with and without PIPELINING: each refusal is that message's alone
// (FAILED, or PENDING for a retry), the others are delivered, once, in order; pipelined,
// a message costs one round trip.
func TestSMTPReplies(t *testing.T) {
	rcpt := func(to string) string {
		switch {
		case strings.HasPrefix(to, "perm"):
			return "550 5.1.1 no such user"
		case strings.HasPrefix(to, "temp"):
			return "451 4.3.0 try later"
		}
		return ""
	}
	addrs := []string{"ok0@example.org", "perm1@example.org", "temp2@example.org", "ok3@example.org", "perm4@example.org", "ok5@example.org", "ok6@example.org"}
	want := map[string]struct {
		status  notification.Status
		errPart string
	}{
		"ok": {notification.StatusSENT, ""}, "perm": {notification.StatusFAILED, "550"}, "temp": {notification.StatusPENDING, "451"},
	}
	for _, tt := range []struct {
		name     string
		exts     []string
		maxTrips int // round trips the server waited for, at most
		minTrips int // and at least
	}{
		// EHLO, one round trip for the batch, QUIT.
		{"chunked", []string{"PIPELINING", "CHUNKING"}, 3, 1},
		// EHLO, a round trip per message and one for the last content and RSET.
		{"pipelined", []string{"PIPELINING"}, len(addrs) + 4, len(addrs)},
		// Four per message.
		{"lock-step", nil, 5 * len(addrs), 3 * len(addrs)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db)
				srv := startScriptServer(t, tt.exts...)
				srv.rcpt = rcpt
				l := f.launch(t)
				for _, a := range addrs {
					f.register(t, l.ID, a)
				}
				s := f.sender(t, smtpURLTransport(t, srv.url()), outbox.SenderConfig{})
				if n, err := s.RunOnce(context.Background()); err != nil || n != len(addrs) {
					t.Fatalf("RunOnce = %d, %v; want %d in one batch", n, err, len(addrs))
				}
				got, waits, _ := srv.stats()
				if r := recipients(got); strings.Join(r, " ") != "ok0@example.org ok3@example.org ok5@example.org ok6@example.org" {
					t.Errorf("delivered %v", r)
				}
				for to, n := range byRecipient(t, db) {
					w := want[strings.TrimRight(strings.Split(to, "@")[0], "0123456789")]
					if n.Status != w.status || n.Attempts != 1 || !strings.Contains(opt.Val(n.LastError), w.errPart) || (w.errPart == "") != (n.LastError == nil) {
						t.Errorf("%s: %s attempts %d error %q; want %s, 1, %q", to, n.Status, n.Attempts, opt.Val(n.LastError), w.status, w.errPart)
					}
					if (n.Status == notification.StatusPENDING) != hasBody(n) {
						t.Errorf("%s: %s with body %v", to, n.Status, hasBody(n))
					}
				}
				if waits > tt.maxTrips || waits < tt.minTrips {
					t.Errorf("%d round trips for %d messages, want %d to %d", waits, len(addrs), tt.minTrips, tt.maxTrips)
				}
				t.Logf("%d messages, %d round trips", len(addrs), waits)
			})
		})
	}
}

// clientModes are the ways the client sends, by what the server offers.
var clientModes = []struct {
	name string
	exts []string
}{{"chunked", []string{"PIPELINING", "CHUNKING"}}, {"pipelined", []string{"PIPELINING"}}, {"lock-step", nil}}

// TestSMTPConnectionLost: the server closes the connection after two messages of a batch
// of five: those two are SENT, the other three stay PENDING (a temporary failure, body
// kept) and go out on a new connection at their retry, each message exactly once.
func TestSMTPConnectionLost(t *testing.T) {
	for _, tt := range clientModes {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db)
				srv := startScriptServer(t, tt.exts...)
				srv.closeEvery(2)
				l := f.launch(t)
				for i := range 5 {
					f.register(t, l.ID, fmt.Sprintf("p%d@example.org", i))
				}
				s := f.sender(t, smtpURLTransport(t, srv.url()), outbox.SenderConfig{Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
				if _, err := s.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
				ns := byRecipient(t, db)
				for i := range 5 {
					n := ns[fmt.Sprintf("p%d@example.org", i)]
					want := notification.StatusSENT
					if i >= 2 {
						want = notification.StatusPENDING
					}
					if n.Status != want || n.Attempts != 1 || (want == notification.StatusPENDING) != hasBody(n) {
						t.Errorf("p%d: %s attempts %d body %v, want %s, 1", i, n.Status, n.Attempts, hasBody(n), want)
					}
					if want == notification.StatusPENDING && !strings.Contains(opt.Val(n.LastError), "SMTP connection") {
						t.Errorf("p%d: last error %q", i, opt.Val(n.LastError))
					}
				}
				time.Sleep(5 * time.Millisecond)
				srv.closeEvery(0)
				drain(t, s)
				got, _, conns := srv.stats()
				assertOnce(t, got, 5)
				if conns != 2 {
					t.Errorf("%d connections, want 2", conns)
				}
			})
		})
	}
}

// TestSMTPKeptConnectionClosed: the connection kept between rounds is closed by the
// server while idle (a relay's timeout), silently or saying 421: the next round notices
// before anything was accepted, connects again and delivers without a failed attempt.
func TestSMTPKeptConnectionClosed(t *testing.T) {
	for _, mode := range clientModes {
		for _, reply := range []string{"", "421 4.4.2 idle timeout"} {
			t.Run(fmt.Sprintf("%s %q", mode.name, reply), func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, db *store.DB) {
					f := newFixture(t, db)
					srv := startScriptServer(t, mode.exts...)
					l := f.launch(t)
					s := f.sender(t, smtpURLTransport(t, srv.url()), outbox.SenderConfig{})
					f.register(t, l.ID, "a@example.org")
					drain(t, s)
					f.register(t, l.ID, "b@example.org")
					drain(t, s) // on the kept connection
					srv.dropConns(reply)
					f.register(t, l.ID, "c@example.org")
					drain(t, s)
					got, _, _ := srv.stats()
					assertOnce(t, got, 3)
					for to, n := range byRecipient(t, db) {
						if n.Status != notification.StatusSENT || n.Attempts != 1 {
							t.Errorf("%s: %s attempts %d, want SENT 1", to, n.Status, n.Attempts)
						}
					}
				})
			})
		}
	}
}
