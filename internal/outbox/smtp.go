package outbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/wneessen/go-mail/smtp"
)

// smtpSession is a connection to the SMTP server, kept across the sender's rounds. A
// connection that fails is closed, and the next Send dials again.
type smtpSession struct {
	t *SMTP
	c *smtp.Client // nil: closed
	// pipelining, chunking: the server offers PIPELINING, CHUNKING; mailParams are the
	// MAIL FROM parameters its extensions call for.
	pipelining, chunking bool
	mailParams           string
	scratch              bytes.Buffer // a message's content, for BDAT
	// used: c has delivered a batch before (the server may have closed it while idle);
	// replied: the current Send has read a reply on c; broken: c failed.
	used, replied, broken bool
}

// dial opens the connection.
func (s *smtpSession) dial(ctx context.Context) error {
	c, err := s.t.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// Connection refused, timeouts, TLS or login failures: all temporary, retried
		// until the attempts run out.
		return fmt.Errorf("outbox: dial SMTP: %w", err)
	}
	s.c, s.used = c, false
	s.pipelining, _ = c.Extension("PIPELINING")
	s.chunking, _ = c.Extension("CHUNKING")
	// As go-mail's own MAIL command.
	s.mailParams = ""
	if ok, _ := c.Extension("8BITMIME"); ok {
		s.mailParams += " BODY=8BITMIME"
	}
	if ok, _ := c.Extension("SMTPUTF8"); ok {
		s.mailParams += " SMTPUTF8"
	}
	return nil
}

// Send delivers es on the connection, dialling first when it is closed. When a kept
// connection turns out dead before the server answered anything of this batch (it
// closed the connection while idle), nothing can have been accepted: the batch goes
// again on a new connection.
func (s *smtpSession) Send(ctx context.Context, es []Envelope) []error {
	for {
		if s.c == nil {
			if err := s.dial(ctx); err != nil {
				return fill(make([]error, len(es)), 0, err)
			}
		}
		reused := s.used
		errs := s.send(es)
		s.used = true
		if !s.broken {
			return errs
		}
		_ = s.c.Close()
		s.c, s.broken = nil, false
		if !reused || s.replied {
			return errs
		}
	}
}

// send delivers es on c: pipelined with BDAT when the server offers PIPELINING and
// CHUNKING, pipelined with DATA when it offers PIPELINING, else in lock-step.
func (s *smtpSession) send(es []Envelope) []error {
	s.replied = false
	errs := make([]error, len(es))
	for i, e := range es {
		if bad := strings.ContainsAny(e.From, "\r\n<>") || strings.ContainsAny(e.To, "\r\n<>") || e.To == ""; bad {
			errs[i] = &PermanentError{Err: fmt.Errorf("outbox: envelope address %q or %q is invalid", e.From, e.To)}
		}
	}
	switch {
	case s.pipelining && s.chunking:
		s.chunked(es, errs)
	case s.pipelining:
		p := pipe{s: s, w: s.c.Text.W, r: &s.c.Text.Reader, es: es, errs: errs, body: -1}
		p.run()
	default:
		s.lockstep(es, errs)
	}
	return errs
}

// lockstep sends es one command at a time, waiting for each reply (go-mail's client).
func (s *smtpSession) lockstep(es []Envelope, errs []error) {
	for i, e := range es {
		if errs[i] != nil {
			continue
		}
		s.deadline()
		err := s.sendOne(e)
		if err != nil && !isReply(err) {
			s.lost(errs, i, -1, err)
			return
		}
		s.answered(err)
		if err == nil {
			continue
		}
		errs[i] = classify(err)
		if err := s.c.Reset(); err != nil {
			s.lost(errs, i+1, -1, err)
			return
		}
	}
}

func (s *smtpSession) sendOne(e Envelope) error {
	if err := s.c.Mail(e.From); err != nil {
		return fmt.Errorf("outbox: MAIL FROM: %w", err)
	}
	if err := s.c.Rcpt(e.To); err != nil {
		return fmt.Errorf("outbox: RCPT TO: %w", err)
	}
	w, err := s.c.Data()
	if err != nil {
		return fmt.Errorf("outbox: DATA: %w", err)
	}
	if _, err := w.Write(e.MIME); err != nil {
		_ = w.Close()
		return fmt.Errorf("outbox: write DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("outbox: end DATA: %w", err)
	}
	return nil
}

// deadline gives the next exchange the transport's timeout.
func (s *smtpSession) deadline() { _ = s.c.UpdateDeadline(s.t.timeout) }

// lost marks the connection broken by err: message body (if ≥ 0) and the messages from
// `from` on without an outcome fail with it, temporarily (the server may have taken
// some: they are sent again, as after a crash).
func (s *smtpSession) lost(errs []error, from, body int, err error) {
	s.broken = true
	err = fmt.Errorf("outbox: SMTP connection: %w", err)
	if body >= 0 {
		errs[body] = err
	}
	fill(errs, from, err)
}

// fill sets the outcomes from `from` on that are not set yet to err.
func fill(errs []error, from int, err error) []error {
	for j := from; j < len(errs); j++ {
		if errs[j] == nil {
			errs[j] = err
		}
	}
	return errs
}

// Close says goodbye and closes the connection.
func (s *smtpSession) Close() error {
	if s.c == nil {
		return nil
	}
	c := s.c
	s.c = nil
	_ = c.UpdateDeadline(s.t.timeout)
	if err := c.Quit(); err != nil {
		return c.Close()
	}
	return nil
}

// answered notes that the server replied (err: the reply's error, nil for a success). A
// first reply 421 does not count: the server says it is closing the connection (a relay
// ending an idle one), so it took nothing of the batch, which can go again on a new one.
func (s *smtpSession) answered(err error) {
	var tp *textproto.Error
	if !s.replied && errors.As(err, &tp) && tp.Code == 421 {
		return
	}
	s.replied = true
}

// isReply reports whether err is the server's reply (the connection is fine), not a
// broken or timed-out connection or a reply that cannot be parsed.
func isReply(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}

// pipe sends a batch with PIPELINING (RFC 2920). Each round trip carries the previous
// message's content (after its DATA was answered 354), an RSET when the previous
// transaction was refused, and the next message's MAIL FROM, RCPT TO and DATA; the
// replies are then read in order and each is mapped to its message: one round trip per
// message instead of four.
type pipe struct {
	s    *smtpSession
	w    *bufio.Writer
	r    *textproto.Reader
	es   []Envelope
	errs []error
	// body is the message whose DATA was answered 354: its content goes first in the next
	// round trip (-1: none); reset: the last transaction failed before its content.
	body  int
	reset bool
}

// run sends every message of the batch; a connection failure ends it.
func (p *pipe) run() {
	i := p.next(0)
	for i < len(p.es) || p.body >= 0 || p.reset {
		p.s.deadline()
		if p.body >= 0 {
			writeDot(p.w, p.es[p.body].MIME)
		}
		if p.reset {
			p.w.WriteString("RSET\r\n")
		}
		if i < len(p.es) {
			fmt.Fprintf(p.w, "MAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n", p.es[i].From, p.s.mailParams, p.es[i].To)
		}
		if err := p.w.Flush(); err != nil {
			p.s.lost(p.errs, i, p.body, err)
			return
		}
		if !p.readEnds(i) || (i < len(p.es) && !p.readTransaction(i)) {
			return
		}
		if i < len(p.es) {
			i = p.next(i + 1)
		}
	}
}

// next is the first message from i on that can be sent.
func (p *pipe) next(i int) int {
	for i < len(p.es) && p.errs[i] != nil {
		i++
	}
	return i
}

// readEnds reads the replies to the previous message's content and to RSET; false when
// the connection is lost (the outcomes are set).
func (p *pipe) readEnds(i int) bool {
	if p.body >= 0 {
		_, _, err := p.r.ReadResponse(250)
		if err != nil && !isReply(err) {
			p.s.lost(p.errs, i, p.body, err)
			return false
		}
		p.s.answered(err)
		if err != nil {
			p.errs[p.body] = classify(fmt.Errorf("outbox: end DATA: %w", err))
		}
		p.body = -1
	}
	if p.reset {
		if _, _, err := p.r.ReadResponse(250); err != nil {
			p.s.lost(p.errs, i, -1, err) // a server that cannot reset is of no further use
			return false
		}
		p.s.answered(nil)
		p.reset = false
	}
	return true
}

// readTransaction reads the replies to message i's MAIL FROM, RCPT TO and DATA: the
// first refusal is the message's outcome (the later commands fail because of it), and
// the next round trip starts with RSET; false when the connection is lost.
func (p *pipe) readTransaction(i int) bool {
	stages := [...]struct {
		name   string
		expect int
	}{{"MAIL FROM", 250}, {"RCPT TO", 25}, {"DATA", 354}}
	var first error
	for _, st := range stages {
		_, _, err := p.r.ReadResponse(st.expect)
		if err != nil && !isReply(err) {
			p.s.lost(p.errs, i, -1, err)
			return false
		}
		p.s.answered(err)
		if err != nil && first == nil {
			first = fmt.Errorf("outbox: %s: %w", st.name, err)
		}
		if err == nil && st.expect == 354 && first != nil {
			// DATA accepted though MAIL or RCPT was refused: end the empty content.
			p.w.WriteString(".\r\n")
			if err := p.w.Flush(); err != nil {
				p.s.lost(p.errs, i, -1, err)
				return false
			}
			if _, _, err := p.r.ReadResponse(250); err != nil && !isReply(err) {
				p.s.lost(p.errs, i, -1, err)
				return false
			}
		}
	}
	if first != nil {
		p.errs[i], p.reset = classify(first), true
		return true
	}
	p.body = i
	return true
}

// lineWriter is where writeLines writes: a bufio.Writer or a bytes.Buffer, whose errors
// (bufio's) show at Flush.
type lineWriter interface {
	Write(p []byte) (int, error)
	WriteByte(c byte) error
	WriteString(s string) (int, error)
}

// writeDot writes b as the content of DATA (RFC 5321 4.5.2), as textproto's DotWriter
// does but in whole lines: every line ends in CRLF (a bare LF becomes CRLF), a line that
// starts with a dot gets another, and the terminating line "." follows.
func writeDot(w lineWriter, b []byte) {
	writeLines(w, b, true)
	_, _ = w.WriteString(".\r\n")
}

// writeLines writes b with every line ended in CRLF, dot-stuffed when stuff.
func writeLines(w lineWriter, b []byte, stuff bool) {
	for len(b) > 0 {
		line := b
		rest := []byte(nil)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, rest = b[:i], b[i+1:]
		}
		if stuff && len(line) > 0 && line[0] == '.' {
			_ = w.WriteByte('.')
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		_, _ = w.Write(line)
		_, _ = w.WriteString("\r\n")
		b = rest
	}
}
