package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// wsMessage is a message of graphql-transport-ws or graphql-ws.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// stallDialer opens sockets with a 4 KiB receive buffer, so that a socket that is never
// read pushes back on the server after a few messages.
var stallDialer = &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	}); cerr != nil {
		return cerr
	}
	return err
}}

// openWS opens one websocket, authenticates, subscribes every subscriber of g, and reads
// (unless stall) until the socket closes.
func (r *subRun) openWS(ctx context.Context, g []*subscriber, query string, vars map[string]any, stall bool) error {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{Subprotocols: []string{r.cfg.protocol}}
	if stall {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: stallDialer.DialContext}}
	}
	conn, _, err := websocket.Dial(dctx, wsURL(r.cfg.url), opts)
	if err != nil {
		return err
	}
	conn.SetReadLimit(1 << 24)
	init := map[string]any{}
	if r.cfg.subKey != "" {
		init["authorization"] = "Bearer " + r.cfg.subKey
	}
	if err := writeWS(dctx, conn, wsMessage{Type: "connection_init", Payload: mustMarshal(init)}); err != nil {
		return err
	}
	if err := awaitAck(dctx, conn); err != nil {
		return err
	}
	start := "subscribe"
	if r.cfg.protocol == "graphql-ws" {
		start = "start"
	}
	payload := mustMarshal(map[string]any{"query": query, "variables": vars})
	for i := range g {
		if err := writeWS(dctx, conn, wsMessage{ID: strconv.Itoa(i + 1), Type: start, Payload: payload}); err != nil {
			return err
		}
	}
	if stall {
		go r.holdStalled(r.stallCtx, conn, g)
		return nil
	}
	go r.readWS(ctx, conn, g)
	return nil
}

func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/graphql" }

func mustMarshal(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

func writeWS(ctx context.Context, conn *websocket.Conn, m wsMessage) error {
	b, _ := json.Marshal(m)
	return conn.Write(ctx, websocket.MessageText, b)
}

// awaitAck reads until connection_ack.
func awaitAck(ctx context.Context, conn *websocket.Conn) error {
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("init: %q", b)
		}
		switch m.Type {
		case "connection_ack":
			return nil
		case "ka", "ping", "pong":
		default:
			return fmt.Errorf("init: got %s %s", m.Type, m.Payload)
		}
	}
}

// readWS reads the socket's messages into its subscribers until it closes.
func (r *subRun) readWS(ctx context.Context, conn *websocket.Conn, g []*subscriber) {
	defer conn.CloseNow()
	var buf bytes.Buffer
	for {
		buf.Reset()
		_, rd, err := conn.Reader(ctx)
		if err == nil {
			_, err = buf.ReadFrom(rd)
		}
		if err != nil {
			why := "closed: " + closeReason(err)
			for _, s := range g {
				s.end(why)
			}
			return
		}
		now := time.Now()
		id, typ := envelope(buf.Bytes())
		var s *subscriber
		if i, err := strconv.Atoi(id); err == nil && i >= 1 && i <= len(g) {
			s = g[i-1]
		}
		switch typ {
		case "next", "data":
			if s != nil {
				r.deliver(s, buf.Bytes(), now)
			}
		case "ping":
			_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
		case "error", "complete":
			if s != nil {
				s.end(typ + " " + truncate(buf.String(), 160))
			}
		}
	}
}

// envelope returns a message's id and type. gqlgen writes payload, id, then type: they
// are read from the end, and the payload is not decoded.
func envelope(b []byte) (id, typ string) {
	field := func(name string) string {
		i := bytes.LastIndex(b, []byte(`"`+name+`":"`))
		if i < 0 {
			return ""
		}
		rest := b[i+len(name)+4:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return ""
		}
		return string(rest[:j])
	}
	if typ = field("type"); typ == "" {
		var m wsMessage
		if json.Unmarshal(b, &m) == nil {
			return m.ID, m.Type
		}
	}
	return field("id"), typ
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func closeReason(err error) string {
	if code := websocket.CloseStatus(err); code != -1 {
		return strconv.Itoa(int(code))
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	return truncate(err.Error(), 80)
}

// holdStalled never reads until the run ends; then it reads what the socket still holds
// (for 2 s) and reports how many changes it found, the last one, and whether the server
// had closed the socket.
func (r *subRun) holdStalled(ctx context.Context, conn *websocket.Conn, g []*subscriber) {
	<-ctx.Done()
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	msgs, last := 0, -1
	for {
		_, b, err := conn.Read(rctx)
		if err != nil {
			why := "still open at the end"
			if rctx.Err() == nil {
				why = "closed by the server (" + closeReason(err) + ")"
			}
			for _, s := range g {
				s.end(fmt.Sprintf("%s; held %d changes, the last %d", why, msgs, last))
			}
			return
		}
		if n, ok := r.seq(b); ok {
			msgs++
			last = max(last, n)
		}
	}
}

// openSSE posts the subscription with Accept: text/event-stream and reads its events.
func (r *subRun) openSSE(ctx context.Context, s *subscriber, query string, vars map[string]any, stall bool) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if r.cfg.subKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.cfg.subKey)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	if stall {
		tr.DialContext = stallDialer.DialContext
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		return fmt.Errorf("sse: status %d, content type %q", resp.StatusCode, ct)
	}
	if stall {
		go func() { <-ctx.Done(); resp.Body.Close(); s.end("sse: never read") }()
		return nil
	}
	go r.readSSE(resp.Body, s)
	return nil
}

func (r *subRun) readSSE(body io.ReadCloser, s *subscriber) {
	defer body.Close()
	br := bufio.NewReaderSize(body, 4096)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			s.end("sse: " + truncate(err.Error(), 80))
			return
		}
		if data, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
			r.deliver(s, data, time.Now())
		} else if bytes.HasPrefix(line, []byte("event: complete")) {
			s.end("complete")
		}
	}
}
