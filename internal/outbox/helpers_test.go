package outbox_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// received is one message the test SMTP server accepted.
type received struct {
	From string
	To   []string
	Data []byte
}

// mailServer is a real SMTP server (go-smtp) in the test process. It can go down and come
// back on the same address, and refuse recipients with rcptErr.
type mailServer struct {
	mu      sync.Mutex
	addr    string
	srv     *smtp.Server
	ln      net.Listener
	got     []received
	rcptErr func(to string) error
}

// startMailServer starts a server on a free loopback port, stopped when the test ends.
func startMailServer(t testing.TB) *mailServer {
	t.Helper()
	m := &mailServer{addr: "127.0.0.1:0"}
	m.up(t)
	t.Cleanup(m.down)
	return m
}

// url is the SMTP_URL of the server (no TLS).
func (m *mailServer) url() string { return "smtp://" + m.addr + "?starttls=none" }

// up (re)starts the server on its address.
func (m *mailServer) up(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after down
		if ln, err = net.Listen("tcp", m.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	m.addr = ln.Addr().String()
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{m: m}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	m.mu.Lock()
	m.srv, m.ln = s, ln
	m.mu.Unlock()
	go func() { _ = s.Serve(ln) }()
}

// down stops the server: connections are refused until up.
func (m *mailServer) down() {
	m.mu.Lock()
	s, ln := m.srv, m.ln
	m.srv, m.ln = nil, nil
	m.mu.Unlock()
	if s != nil {
		_ = s.Close()
		_ = ln.Close() // Close may run before Serve has taken the listener
	}
}

// messages returns a copy of what the server received.
func (m *mailServer) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

type session struct {
	m    *mailServer
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.mu.Lock()
	fn := s.m.rcptErr
	s.m.mu.Unlock()
	if fn != nil {
		if err := fn(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.got = append(s.m.got, received{From: s.from, To: append([]string(nil), s.to...), Data: b})
	s.m.mu.Unlock()
	return nil
}

// parsed is a MIME message taken apart.
type parsed struct {
	Header      mail.Header
	Subject     string
	Text, HTML  string
	Attachments map[string]string // file name → decoded content
}

// parseMessage decodes a message's subject, text and HTML parts and attachments.
func parseMessage(t testing.TB, b []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	p := parsed{Header: msg.Header, Subject: subj, Attachments: map[string]string{}}
	if err := walk(&p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body); err != nil {
		t.Fatalf("walk message: %v", err)
	}
	return p
}

func walk(p *parsed, contentType, encoding, disposition string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"),
				part.Header.Get("Content-Disposition"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if strings.HasPrefix(disposition, "attachment") {
		_, dp, _ := mime.ParseMediaType(disposition)
		p.Attachments[dp["filename"]] = string(b)
		return nil
	}
	switch mt {
	case "text/plain":
		p.Text = string(b)
	case "text/html":
		p.HTML = string(b)
	}
	return nil
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
