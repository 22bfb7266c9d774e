package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown: when shutdown starts, /readyz answers 503 at once, a request in
// flight completes successfully, and run returns nil.
func TestGracefulShutdown(t *testing.T) {
	rs := launchServer(t, map[string]string{"DATA_DIR": t.TempDir(), "SHUTDOWN_DRAIN": "500ms", "SHUTDOWN_GRACE": "10s"})
	url, addr := rs.url, rs.addr

	// A request whose body is still arriving when shutdown starts.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"query":"{ regions { totalCount } }"}`
	head := "POST /graphql HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := conn.Write([]byte(head + body[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)

	rs.stop() // SIGTERM
	deadline := time.Now().Add(400 * time.Millisecond)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not turn 503 when shutdown started")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	raw, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(raw), "HTTP/1.1 200") || !strings.Contains(string(raw), `"totalCount":6`) {
		t.Fatalf("in-flight request: %q", raw)
	}
	if err := rs.wait(t, 15*time.Second); err != nil {
		t.Fatalf("run returned %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("listener still open after shutdown")
	}
}

func waitReady(t *testing.T, url string, done chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("run exited early: %v", err)
		default:
		}
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
