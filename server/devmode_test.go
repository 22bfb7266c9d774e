package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that run's goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runPrinting runs the program with env and args until /readyz answers, and returns its
// URL and what it printed on stdout; the program is stopped (and must stop cleanly) at
// the end of the test.
func runPrinting(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	env["ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	out := new(syncBuffer)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"server"}, args...), func(k string) string { return env[k] }, out, io.Discard)
	}()
	url := "http://" + addr
	waitReady(t, url, done)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not return after shutdown")
		}
	}
	t.Cleanup(stop)
	return url, out
}

var keyLine = regexp.MustCompile(`(?m)^lgk_[A-Za-z0-9_-]{43}$`)

// TestFirstStartPrintsBannerAndAdminKey: a development server says where it serves, on
// which store, and at its first start makes an ADMIN key and prints it once; the key
// works. The second start prints no key.
func TestFirstStartPrintsBannerAndAdminKey(t *testing.T) {
	dir := t.TempDir()
	url, out := runPrinting(t, map[string]string{"DATA_DIR": dir})
	banner := out.String()
	wantServing := "launchgraph: serving " + url + "/ (GraphiQL; API at " + url + "/graphql), store: embedded SQLite " +
		filepath.Join(dir, "launchgraph.db") + ", development mode\n"
	if !strings.HasPrefix(banner, wantServing) {
		t.Fatalf("banner:\n%s\nwant it to start with:\n%s", banner, wantServing)
	}
	key := keyLine.FindString(banner)
	if key == "" {
		t.Fatalf("no admin key in the banner:\n%s", banner)
	}
	resp, body := get(t, url+"/exports/launches/cis-2020/registrants.csv", bearer(key)...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export with the printed key: %d %s", resp.StatusCode, body)
	}

	// Another start on the same store: no new key, none printed.
	t.Run("second start", func(t *testing.T) {
		url2, out2 := runPrinting(t, map[string]string{"DATA_DIR": dir, "ADDR": ""})
		_ = url2
		if k := keyLine.FindString(out2.String()); k != "" || strings.Contains(out2.String(), "admin key") {
			t.Fatalf("second start printed a key:\n%s", out2.String())
		}
	})
}

// TestProductionMakesNoKey: production never makes or prints a key.
func TestProductionMakesNoKey(t *testing.T) {
	_, out := runPrinting(t, map[string]string{"DATA_DIR": t.TempDir(), "ENV": "production", "SHUTDOWN_DRAIN": "0s"})
	if !strings.Contains(out.String(), "production mode") || strings.Contains(out.String(), "admin key") || keyLine.MatchString(out.String()) {
		t.Fatalf("production banner:\n%s", out.String())
	}
}

// TestHelpExitsZero: asking for help prints the usage and the flags on stdout and
// succeeds, however it is asked.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"demo", "-help"}, {"migrate", "-h"}} {
		var out, errOut strings.Builder
		err := run(context.Background(), append([]string{"server"}, args...), func(string) string { return "" }, &out, &errOut)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, want := range []string{"usage: server [serve|demo|migrate|seed|apikey]", "-addr", "(ADDR)", "-demo", "-manage-url"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: stdout lacks %q:\n%s", args, want, out.String())
			}
		}
		if errOut.Len() != 0 {
			t.Errorf("%v: stderr %q, want nothing", args, errOut.String())
		}
	}
}

// TestPortInUseFailsFirst: a taken port is reported before the store is created,
// migrated or seeded.
func TestPortInUseFailsFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	start := time.Now()
	err = run(context.Background(), []string{"server"}, func(k string) string {
		return map[string]string{"ADDR": ln.Addr().String(), "DATA_DIR": dir}[k]
	}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("err = %v, want address already in use", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "launchgraph.db")); !os.IsNotExist(statErr) {
		t.Fatalf("the store was created before the port was bound (stat: %v)", statErr)
	}
	t.Logf("failed after %s", time.Since(start))
}

// TestDemoCommand: `server demo` serves the seeded store with the sandbox launch, which
// the public finds by slug and registers for (three seats, then the waitlist); production
// refuses the sandbox.
func TestDemoCommand(t *testing.T) {
	url, out := runPrinting(t, map[string]string{"DATA_DIR": t.TempDir()}, "demo")
	if !strings.Contains(out.String(), `launchgraph: demo: the made-up launch "sandbox" is open for registration`) {
		t.Fatalf("banner:\n%s", out.String())
	}
	var got struct {
		Launch struct {
			ID, Title, Status string
			Seats             struct{ Capacity, Remaining int }
		}
	}
	mustData(t, url, `{ launch(slug: "sandbox") { id title status seats { capacity remaining } } }`, nil, &got)
	if got.Launch.Status != "PUBLISHED" || !strings.HasPrefix(got.Launch.Title, "SANDBOX") || got.Launch.Seats.Remaining != 3 {
		t.Fatalf("sandbox = %+v", got.Launch)
	}
	c := newRegClient(url, "")
	for i, want := range []string{"CONFIRMED", "CONFIRMED", "CONFIRMED", "WAITLISTED"} {
		in := map[string]any{"launchId": got.Launch.ID, "name": "Tester", "email": "t" + string(rune('a'+i)) + "@example.org", "consent": true}
		if r := c.register(t, in); r.Register.Registrant.Status != want {
			t.Errorf("registration %d: %s, want %s", i, r.Register.Registrant.Status, want)
		}
	}

	err := run(context.Background(), []string{"server", "demo"}, func(k string) string {
		return map[string]string{"ENV": "production", "DATA_DIR": t.TempDir(), "ADDR": "127.0.0.1:0"}[k]
	}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "development only") {
		t.Fatalf("demo in production: %v, want a refusal", err)
	}
}
