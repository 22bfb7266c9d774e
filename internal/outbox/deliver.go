package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// Envelope is one message to deliver.
type Envelope struct {
	ID   int
	From string
	To   string
	MIME []byte
}

// Transport delivers messages. Open starts a session, which the sender keeps for its
// following rounds while they come (SenderConfig.KeepAlive).
type Transport interface {
	Open(ctx context.Context) (Session, error)
}

// Session is an open connection of a Transport.
type Session interface {
	// Send delivers es in order and returns each one's outcome: nil when the server
	// accepted it, a PermanentError when retrying cannot help, another error when it can.
	Send(ctx context.Context, es []Envelope) []error
	Close() error
}

// PermanentError marks a delivery failure that retrying cannot fix (SMTP 5xx).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent delivery failure.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// classify wraps SMTP 5xx replies as permanent; everything else (4xx, connection
// refused, timeouts, TLS) stays temporary.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600 {
		return &PermanentError{Err: err}
	}
	return err
}

// SMTP delivers through an SMTP server: go-mail connects, says hello, starts TLS and
// authenticates; messages then go out pipelined (RFC 2920) when the server offers it,
// with BDAT (RFC 3030) when it also offers CHUNKING, else one command at a time.
type SMTP struct {
	client  *mail.Client
	timeout time.Duration
}

// NewSMTP parses rawURL: smtp://user:pass@host:587 (STARTTLS required; ?starttls=none for
// test servers, ?starttls=opportunistic to use it when offered) or smtps://user:pass@host:465
// (implicit TLS). ?insecure=1 skips certificate verification (tests only).
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not %w: url.Error repeats the URL, password included.
		return nil, errors.New("outbox: SMTP_URL is not a URL")
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("outbox: SMTP_URL has no host")
	}
	q := u.Query()
	const timeout = 30 * time.Second
	opts := []mail.Option{mail.WithTimeout(timeout), mail.WithHELO(helo())}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
		switch q.Get("starttls") {
		case "", "required":
			opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		case "opportunistic":
			opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		case "none":
			opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		default:
			return nil, fmt.Errorf("outbox: SMTP_URL starttls must be required, opportunistic or none, not %q", q.Get("starttls"))
		}
	case "smtps":
		if port == "" {
			port = "465"
		}
		opts = append(opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("outbox: SMTP_URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("outbox: SMTP_URL port %q: %w", port, err)
	}
	opts = append(opts, mail.WithPort(p))
	if q.Get("insecure") == "1" {
		opts = append(opts, mail.WithTLSConfig(&tls.Config{InsecureSkipVerify: true, ServerName: host})) //nolint:gosec // opt-in, tests
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("outbox: SMTP client: %w", err)
	}
	return &SMTP{client: c, timeout: timeout}, nil
}

func helo() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// Open connects, says hello, starts TLS and authenticates.
func (s *SMTP) Open(ctx context.Context) (Session, error) {
	sess := &smtpSession{t: s}
	if err := sess.dial(ctx); err != nil {
		return nil, err
	}
	return sess, nil
}

// Files writes each message as DIR/<id>.eml and logs it: the transport when no SMTP
// server is configured.
type Files struct {
	Dir    string
	Logger *slog.Logger
}

// Open makes the directory.
func (f Files) Open(ctx context.Context) (Session, error) {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return f, nil
}

// Send writes each envelope to a file.
func (f Files) Send(ctx context.Context, es []Envelope) []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = f.write(e)
	}
	return errs
}

// write writes e to a file atomically.
func (f Files) write(e Envelope) error {
	name := filepath.Join(f.Dir, fmt.Sprintf("%08d.eml", e.ID))
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, e.MIME, 0o600); err != nil {
		return fmt.Errorf("outbox: write eml: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("outbox: write eml: %w", err)
	}
	if f.Logger != nil {
		f.Logger.Info("notification written (no SMTP_URL)", "id", e.ID, "to", e.To, "file", name)
	}
	return nil
}

// Close does nothing.
func (f Files) Close() error { return nil }

// envelopeAddr is the bare address of s ("Name <a@b>" or "a@b").
func envelopeAddr(s string) string {
	if a, err := netmail.ParseAddress(s); err == nil {
		return a.Address
	}
	return strings.TrimSpace(s)
}
