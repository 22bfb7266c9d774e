package outbox_test

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// scriptServer is a small SMTP server written for the tests of the client: it offers the
// extensions it is given (PIPELINING, CHUNKING) or none, answers RCPT with rcpt's reply, can close a connection after some
// messages or on demand, and counts how often it waited for the client (round trips).
type scriptServer struct {
	ln   net.Listener
	exts []string
	rcpt func(to string) string // the reply to RCPT TO:<to>; "" accepts it

	mu         sync.Mutex
	closeAfter int // close a connection after accepting this many messages (0: never)
	got        []received
	waits      int // reads that found nothing buffered: the client's round trips
	conns      []net.Conn
}

func startScriptServer(t testing.TB, exts ...string) *scriptServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptServer{ln: ln, exts: exts}
	t.Cleanup(func() { _ = ln.Close(); s.dropConns("") })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
	return s
}

// closeEvery makes the server close each connection after n messages (0: never).
func (s *scriptServer) closeEvery(n int) {
	s.mu.Lock()
	s.closeAfter = n
	s.mu.Unlock()
}

func (s *scriptServer) url() string { return "smtp://" + s.ln.Addr().String() + "?starttls=none" }

// dropConns closes every connection from the server's side, as a relay's idle timeout,
// after saying so with reply (if not "").
func (s *scriptServer) dropConns(reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if reply != "" {
			_, _ = c.Write([]byte(reply + "\r\n"))
		}
		_ = c.Close()
	}
	s.conns = nil
}

func (s *scriptServer) stats() (got []received, waits, conns int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...), s.waits, len(s.conns)
}

// smtpTx is the transaction of a connection.
type smtpTx struct {
	from string
	to   []string
	data []byte
	open bool
}

func (s *scriptServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	r, w := textproto.NewReader(br), textproto.NewWriter(bufio.NewWriter(c))
	_ = w.PrintfLine("220 script ESMTP")
	var tx smtpTx
	accepted := 0
	for {
		s.wait(br)
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		if verb == "BDAT" {
			reply, ok := s.bdat(br, line, &tx)
			if !ok {
				return
			}
			if strings.HasPrefix(reply, "250") && strings.HasSuffix(strings.ToUpper(line), " LAST") {
				accepted++
			}
			if err := w.PrintfLine("%s", reply); err != nil {
				return
			}
			continue
		}
		reply := s.command(verb, line, &tx)
		if verb == "DATA" && strings.HasPrefix(reply, "354") {
			_ = w.PrintfLine("%s", reply)
			s.wait(br)
			b, err := r.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.got = append(s.got, received{From: tx.from, To: tx.to, Data: b})
			s.mu.Unlock()
			tx, reply = smtpTx{}, "250 2.0.0 queued"
			accepted++
		}
		if err := w.PrintfLine("%s", reply); err != nil || verb == "QUIT" {
			return
		}
		s.mu.Lock()
		closing := s.closeAfter > 0 && accepted == s.closeAfter
		s.mu.Unlock()
		if closing {
			return
		}
	}
}

// ehlo is the reply to EHLO offering exts.
func ehlo(exts []string) string {
	lines := append([]string{"script"}, exts...)
	lines = append(lines, "8BITMIME")
	out := ""
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		out += "250" + sep + l
		if i < len(lines)-1 {
			out += "\r\n"
		}
	}
	return out
}

// bdat reads a BDAT chunk (RFC 3030), which follows the command whatever the reply, and
// answers it; false when the connection ends.
func (s *scriptServer) bdat(br *bufio.Reader, line string, tx *smtpTx) (string, bool) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return "501 5.5.4 size?", true
	}
	size, err := strconv.Atoi(f[1])
	if err != nil {
		return "501 5.5.4 size?", true
	}
	chunk := make([]byte, size)
	if _, err := io.ReadFull(br, chunk); err != nil {
		return "", false
	}
	if len(tx.to) == 0 {
		return "503 5.5.1 no valid recipients", true
	}
	tx.data = append(tx.data, chunk...)
	if len(f) < 3 || !strings.EqualFold(f[2], "LAST") {
		return "250 2.0.0 chunk", true
	}
	s.mu.Lock()
	s.got = append(s.got, received{From: tx.from, To: tx.to, Data: tx.data})
	s.mu.Unlock()
	*tx = smtpTx{}
	return "250 2.0.0 queued", true
}

// wait counts a round trip when the client's next bytes have not arrived yet.
func (s *scriptServer) wait(br *bufio.Reader) {
	if br.Buffered() == 0 {
		s.mu.Lock()
		s.waits++
		s.mu.Unlock()
	}
}

// command answers one command line (DATA's content aside).
func (s *scriptServer) command(verb, line string, tx *smtpTx) string {
	arg := func(prefix string) string {
		a := line[len(prefix):]
		if i := strings.IndexByte(a, '>'); i >= 0 {
			a = a[:i]
		}
		return strings.TrimPrefix(a, "<")
	}
	switch verb {
	case "EHLO":
		return ehlo(s.exts)
	case "HELO", "NOOP":
		return "250 ok"
	case "RSET":
		*tx = smtpTx{}
		return "250 ok"
	case "QUIT":
		return "221 bye"
	case "MAIL":
		if tx.open {
			return "503 5.5.1 nested MAIL"
		}
		*tx = smtpTx{from: arg("MAIL FROM:"), open: true}
		return "250 ok"
	case "RCPT":
		if !tx.open {
			return "503 5.5.1 MAIL first"
		}
		to := arg("RCPT TO:")
		if s.rcpt != nil {
			if reply := s.rcpt(to); reply != "" {
				return reply
			}
		}
		tx.to = append(tx.to, to)
		return "250 ok"
	case "DATA":
		if len(tx.to) == 0 {
			return "554 5.5.1 no valid recipients"
		}
		return "354 go ahead"
	}
	return "502 5.5.2 unknown command"
}
