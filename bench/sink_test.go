package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"launchgraph/internal/outbox"
)

// syncBuffer is a bytes.Buffer safe for the sink's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestSinkPipelining: the smtp-sink offers PIPELINING and CHUNKING and takes a pipelined
// batch (the outbox's client sends each message's RSET, MAIL, RCPT and BDAT without
// waiting), counting every message.
func TestSinkPipelining(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- runSink(ctx, []string{"-addr", addr}, &out, &out) }()
	defer func() { cancel(); <-done }()

	var c *textproto.Conn
	for i := 0; i < 100 && c == nil; i++ {
		if c, err = textproto.Dial("tcp", addr); err != nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if c == nil {
		t.Fatalf("sink not listening: %v", err)
	}
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	id, _ := c.Cmd("EHLO bench")
	c.StartResponse(id)
	_, ehlo, err := c.ReadResponse(250)
	c.EndResponse(id)
	if err != nil || !strings.Contains(ehlo, "PIPELINING") || !strings.Contains(ehlo, "CHUNKING") {
		t.Fatalf("EHLO = %q, %v; want PIPELINING and CHUNKING offered", ehlo, err)
	}
	_ = c.Close()

	tr, err := outbox.NewSMTP("smtp://" + addr + "?starttls=none")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := tr.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	es := make([]outbox.Envelope, n)
	for i := range es {
		es[i] = outbox.Envelope{ID: i, From: "no-reply@launches.test", To: fmt.Sprintf("p%d@example.org", i),
			MIME: []byte(fmt.Sprintf("Subject: %d\r\n\r\n.a line with a leading dot\r\nbody %d\r\n", i, i))}
	}
	for i, err := range sess.Send(ctx, es) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	if err := sess.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(out.String(), fmt.Sprintf(" %d messages", n)) {
		if time.Now().After(deadline) {
			t.Fatalf("sink output:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
