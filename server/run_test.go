package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/seatcount"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runningServer is the program running as `server` would, on a free loopback port.
type runningServer struct {
	url, addr string
	stop      context.CancelFunc // SIGTERM
	done      chan error         // what run returned
}

// launchServer starts run with env (ADDR is set here) and waits until /readyz answers.
func launchServer(t *testing.T, env map[string]string, args ...string) *runningServer {
	t.Helper()
	addr := freeAddr(t)
	env["ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rs := &runningServer{url: "http://" + addr, addr: addr, stop: cancel, done: make(chan error, 1)}
	go func() {
		rs.done <- run(ctx, append([]string{"server"}, args...), func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	waitReady(t, rs.url, rs.done)
	return rs
}

// wait returns what run returned after stop, failing after timeout.
func (rs *runningServer) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-rs.done:
		return err
	case <-time.After(timeout):
		t.Fatal("run did not return after shutdown")
		return nil
	}
}

// startRun runs the program until the test ends and checks it then stops cleanly.
func startRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	rs := launchServer(t, env, args...)
	t.Cleanup(func() {
		rs.stop()
		if err := rs.wait(t, 30*time.Second); err != nil {
			t.Errorf("run returned %v after shutdown, want nil", err)
		}
	})
	return rs.url
}

// TestRunServesSeededStore is the README's first command on a fresh machine: no
// configuration, an embedded store created, migrated and seeded.
func TestRunServesSeededStore(t *testing.T) {
	dir := t.TempDir()
	url := startRun(t, map[string]string{"DATA_DIR": dir})
	var got launchesResult
	mustData(t, url, launchesQuery, nil, &got)
	if got.Regions.TotalCount != 6 || got.Launches.TotalCount != 5 {
		t.Fatalf("regions %d launches %d, want 6 and 5", got.Regions.TotalCount, got.Launches.TotalCount)
	}
	var node struct{ Node struct{ ID, Title string } }
	first := got.Launches.Edges[0].Node
	mustData(t, url, `query($id: ID!) { node(id: $id) { id ... on Launch { title } } }`, map[string]any{"id": first.ID}, &node)
	if node.Node.ID != first.ID || node.Node.Title != first.Title {
		t.Fatalf("node = %+v, want %s %q", node.Node, first.ID, first.Title)
	}
	if _, err := os.Stat(filepath.Join(dir, "launchgraph.db")); err != nil {
		t.Fatalf("embedded store not created in DATA_DIR: %v", err)
	}
}

// TestRunOnEmptyPostgres: DATABASE_URL at an empty database gets migrations and seed data.
func TestRunOnEmptyPostgres(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	url := startRun(t, map[string]string{"DATABASE_URL": dbURL})
	var got launchesResult
	mustData(t, url, launchesQuery, nil, &got)
	if got.Regions.TotalCount != 6 || got.Launches.TotalCount != 5 {
		t.Fatalf("regions %d launches %d, want 6 and 5", got.Regions.TotalCount, got.Launches.TotalCount)
	}
}

// TestSeedCommandIsIdempotent runs `migrate`, then `seed` twice.
func TestSeedCommandIsIdempotent(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out strings.Builder
	for _, args := range [][]string{{"server", "migrate"}, {"server", "seed"}, {"server", "seed"}} {
		if err := run(ctx, args, getenv, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	want := "migrations applied\nseed: 30 created, 0 updated\nseed: 0 created, 0 updated\n"
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
}

func TestRunRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown command", []string{"server", "frobnicate"}, nil, `unknown command "frobnicate"`},
		{"bad env", []string{"server"}, map[string]string{"ENV": "staging"}, "ENV must be development or production"},
		{"bad grace", []string{"server"}, map[string]string{"SHUTDOWN_GRACE": "soon"}, "SHUTDOWN_GRACE"},
		{"bad database url", []string{"server", "migrate"}, map[string]string{"DATABASE_URL": "mysql://x"}, "store:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestMigrateRepairsSeatCounters: `migrate` (and `seed`) recompute seat counters that
// drifted from the registrant rows (written around the service) and say which.
func TestMigrateRepairsSeatCounters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1).SetWaitlistEnabled(true) })
		c := newRegClient(testServer(t, db).URL, "")
		c.register(t, regInput(l.ID, "a@example.org"))
		c.register(t, regInput(l.ID, "b@example.org"))
		ctx := context.Background()
		db.Client.SeatCount.Update().Where(seatcount.LaunchID(l.ID)).SetConfirmed(7).SetWaitlisted(0).ExecX(ctx)

		var out strings.Builder
		if err := repairSeats(ctx, db, &out); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("seat counters of launch %d repaired: {Confirmed:1 Pending:0 Waitlisted:1}, were {Confirmed:7 Pending:0 Waitlisted:0}\n", l.ID)
		if out.String() != want {
			t.Errorf("output %q, want %q", out.String(), want)
		}
		if got := c.seats(t, l.ID).Node.Seats; got.Confirmed != 1 || got.Waitlisted != 1 {
			t.Errorf("seats after the repair %+v, want 1 confirmed, 1 waitlisted", got)
		}
		out.Reset()
		if err := repairSeats(ctx, db, &out); err != nil || out.Len() != 0 {
			t.Errorf("second repair: %q, %v; want nothing to say", out.String(), err)
		}
	})
}
