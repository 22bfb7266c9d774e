package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/registration"
	"launchgraph/internal/registration/regtest"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// helperEnv marks a child process of this test binary that serves instead of testing.
const helperEnv = "LAUNCHGRAPH_TEST_SERVE"

// TestMain lets the test binary run as a server process (serveProcess).
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		if err := run(ctx, []string{"server", "serve", "-migrate=false", "-seed=false"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// process is a server running as a process of its own.
type process struct {
	url string
	cmd *exec.Cmd
}

// serveProcess starts this test binary as a server on databaseURL (already migrated).
func serveProcess(t *testing.T, databaseURL string) *process {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=1", "ADDR="+addr, "DATABASE_URL="+databaseURL,
		"DATA_DIR="+t.TempDir(), "RATE_LIMIT_REGISTER=0", "RATE_LIMIT_ANONYMOUS=0", "LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	p := &process{url: "http://" + addr, cmd: cmd}
	waitReady(t, p.url, done)
	return p
}

// TestTwoServerProcesses: two server processes on one PostgreSQL take registrations for
// one launch at once — 1,000 calls for 100 seats from 50 clients, each call to one or
// the other — and one process is killed (SIGKILL) halfway: calls that failed with it are
// retried on the other with the same idempotency key. Every key ends with exactly one
// registration, the same on every retry; exactly 100 are confirmed and the waitlist is
// 1..900; the counters equal the rows. One address sent 50 times through both registers
// once.
func TestTwoServerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	dbURL := storetest.PostgresURL(t)
	db := openMigratedURL(t, dbURL)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(100).SetWaitlistEnabled(true) })
	procs := []*process{serveProcess(t, dbURL), serveProcess(t, dbURL)}
	clients := []*regClient{newRegClient(procs[0].url, ""), newRegClient(procs[1].url, "")}

	// One address, 50 times, through both processes.
	same := regLaunch(t, db)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if resp, _ := clients[i%2].post(t, registerMutation, map[string]any{"input": regInput(same.ID, "Same@Example.org")}); resp.code() == "" {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Errorf("same address: %d successes, want 1", ok.Load())
	}

	const calls = 1000
	ids := make([]string, calls)
	var next, done, retried atomic.Int64
	var kill sync.Once
	for range 50 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < calls; i = int(next.Add(1)) - 1 {
				in := regInput(l.ID, fmt.Sprintf("p%04d@example.org", i))
				in["idempotencyKey"] = fmt.Sprintf("two-processes-%04d-0123456789", i)
				id, err := registerVia(clients[i%2], in)
				if err != nil { // the killed process: the other one answers the same key
					retried.Add(1)
					id, err = registerVia(clients[1], in)
				}
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
				ids[i] = id
				if done.Add(1) == calls/2 {
					kill.Do(func() { _ = procs[0].cmd.Process.Kill() })
				}
			}
		})
	}
	wg.Wait()
	if retried.Load() == 0 {
		t.Error("no call was retried: the kill came too late")
	}
	t.Logf("%d calls retried on the surviving process", retried.Load())
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] {
			t.Errorf("call %d: registrant %q (empty or twice)", i, id)
		}
		seen[id] = true
	}
	if n := db.Client.Registrant.Query().Where(registrant.LaunchID(l.ID)).CountX(context.Background()); n != calls {
		t.Errorf("%d registrants, want %d", n, calls)
	}
	if got, want := regtest.Invariants(t, db.Client, l), (registration.Counts{Confirmed: 100, Waitlisted: calls - 100}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
}

// registerVia registers input through c and returns the registrant's id; a transport
// failure or an error answer is an error.
func registerVia(c *regClient, input map[string]any) (string, error) {
	var got registerData
	resp, raw, err := c.tryPost(registerMutation, map[string]any{"input": input})
	if err != nil {
		return "", err
	}
	if len(resp.Errors) > 0 {
		return "", errors.New(string(raw))
	}
	if err := json.Unmarshal(resp.Data, &got); err != nil {
		return "", err
	}
	return got.Register.Registrant.ID, nil
}

// openMigratedURL opens (and migrates) the store at url for the test.
func openMigratedURL(t *testing.T, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// tryPost is post that returns a transport failure instead of failing the test.
func (c *regClient) tryPost(query string, vars map[string]any) (gqlResponse, []byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return gqlResponse{}, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResponse{}, nil, err
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return gqlResponse{}, raw, fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	return out, raw, nil
}
