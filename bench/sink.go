package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// runSink serves SMTP on -addr and discards every message, counting them: the mail relay
// of a register benchmark with the outbox on (start the server with
// SMTP_URL=smtp://ADDR?starttls=none). It offers PIPELINING and CHUNKING (go-smtp's
// server reads the commands of a pipelined batch in order), as production relays do, so
// the outbox sends as it would there.
func runSink(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("smtp-sink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:2525", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("smtp-sink: %w", err)
	}
	var n atomic.Int64
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{n: &n}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = time.Minute, time.Minute
	fmt.Fprintf(stdout, "smtp-sink: discarding mail on %s (SMTP_URL=smtp://%s?starttls=none)\n", ln.Addr(), ln.Addr())
	go func() {
		<-ctx.Done()
		_ = s.Close()
	}()
	go func() {
		for last := int64(0); ctx.Err() == nil; time.Sleep(time.Second) {
			if cur := n.Load(); cur != last {
				fmt.Fprintf(stdout, "%s %d messages\n", time.Now().Format("15:04:05.000"), cur)
				last = cur
			}
		}
	}()
	if err := s.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && ctx.Err() == nil {
		return fmt.Errorf("smtp-sink: %w", err)
	}
	return nil
}

// sinkSession accepts every message and reads it to the end.
type sinkSession struct{ n *atomic.Int64 }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.n.Add(1)
	return nil
}
func (sinkSession) Reset()        {}
func (sinkSession) Logout() error { return nil }
