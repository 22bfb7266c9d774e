package outbox

import (
	"fmt"
)

// chunkWindow is how many messages a BDAT round trip carries at most, so that the
// replies the server writes meanwhile (four short lines a message) always fit in the
// sockets' buffers while the client is still writing.
const chunkWindow = 32

// chunked sends es with PIPELINING and CHUNKING (RFC 3030): each message is RSET, MAIL
// FROM, RCPT TO and BDAT <size> LAST with its content, which the server reads whatever it
// answers, so nothing needs waiting for: a window of messages goes out in one write and
// its replies are read after, one round trip for up to chunkWindow messages. RSET first
// clears a transaction whose recipient was refused.
func (s *smtpSession) chunked(es []Envelope, errs []error) {
	w := s.c.Text.W
	valid := make([]bool, len(es))
	for i := range es {
		valid[i] = errs[i] == nil
	}
	for start := 0; start < len(es); start += chunkWindow {
		end := min(start+chunkWindow, len(es))
		s.deadline()
		for i := start; i < end; i++ {
			if !valid[i] {
				continue
			}
			s.scratch.Reset()
			writeLines(&s.scratch, es[i].MIME, false)
			fmt.Fprintf(w, "RSET\r\nMAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nBDAT %d LAST\r\n", es[i].From, s.mailParams, es[i].To, s.scratch.Len())
			_, _ = w.Write(s.scratch.Bytes())
		}
		// A server that closes the connection mid-window (it dies, or ends the session
		// after some messages) may have accepted the first of them: their replies are
		// read before the write's failure counts.
		werr := w.Flush()
		for i := start; i < end; i++ {
			if valid[i] && !s.readChunk(errs, i) {
				return
			}
		}
		if werr != nil {
			s.lost(errs, end, -1, werr)
			return
		}
	}
}

// readChunk reads the replies to message i's RSET, MAIL FROM, RCPT TO and BDAT: the first
// refusal is the message's outcome; false when the connection is lost.
func (s *smtpSession) readChunk(errs []error, i int) bool {
	stages := [...]struct {
		name   string
		expect int
	}{{"RSET", 250}, {"MAIL FROM", 250}, {"RCPT TO", 25}, {"BDAT", 250}}
	for _, st := range stages {
		_, _, err := s.c.Text.ReadResponse(st.expect)
		if err != nil && !isReply(err) {
			s.lost(errs, i, -1, err)
			return false
		}
		s.answered(err)
		if err != nil && errs[i] == nil {
			errs[i] = classify(fmt.Errorf("outbox: %s: %w", st.name, err))
		}
	}
	return true
}
