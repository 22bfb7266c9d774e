package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz/authztest"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// runOut runs the program with env and returns its stdout.
func runOut(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), append([]string{"server"}, args...), func(k string) string { return env[k] }, &out, io.Discard)
	return out.String(), err
}

func TestAPIKeyCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir}

	out, err := runOut(t, env, "apikey", "create", "--role", "ADMIN", "--name", "ops team", "--expires", "720h")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !regexp.MustCompile(`^lgk_[A-Za-z0-9_-]{43}$`).MatchString(key) {
		t.Fatalf("last line %q is not a key; output:\n%s", key, out)
	}
	m := regexp.MustCompile(`API key (\d+) "ops team" \(ADMIN\) created, prefix (\S+), expires (\S+)\.`).FindStringSubmatch(out)
	if m == nil || m[2] != key[:12] {
		t.Fatalf("output %q: want the id, name, role, prefix %s and expiry", out, key[:12])
	}
	id := m[1]
	if _, err := runOut(t, env, "apikey", "create", "-role", "partner", "-name", "site"); err != nil {
		t.Fatalf("lower-case role, single-dash flags: %v", err)
	}

	list, err := runOut(t, env, "apikey", "list")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(list, key) || strings.Contains(list, key[12:]) {
		t.Fatalf("list shows the secret:\n%s", list)
	}
	for _, want := range []string{"ID", "LAST USED", id, "ops team", "ADMIN", "PARTNER", key[:12], m[3]} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}

	// The key works until it is revoked.
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := auth.Authenticate(context.Background(), db.Client, key); err != nil || v.Role != auth.Admin || v.KeyName != "ops team" {
		t.Fatalf("new key: %+v, %v", v, err)
	}
	if out, err := runOut(t, env, "apikey", "revoke", id); err != nil || out != "API key "+id+" revoked\n" {
		t.Fatalf("revoke: %q, %v", out, err)
	}
	if _, err := auth.Authenticate(context.Background(), db.Client, key); err == nil || err.Error() != "API key revoked" {
		t.Fatalf("revoked key: %v, want API key revoked", err)
	}
	list, _ = runOut(t, env, "apikey", "list")
	columns := regexp.MustCompile(`\s{2,}`)
	var revoked string
	for _, line := range strings.Split(list, "\n") {
		if cells := columns.Split(line, -1); cells[0] == id && len(cells) == 8 {
			revoked = cells[6]
		}
	}
	if _, err := time.Parse(time.RFC3339, revoked); err != nil {
		t.Errorf("revoked key's REVOKED column is %q, want a time:\n%s", revoked, list)
	}
}

func TestAPIKeyCommandErrors(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"apikey"}, "missing subcommand"},
		{"unknown subcommand", []string{"apikey", "rotate"}, `unknown subcommand "rotate"`},
		{"no role", []string{"apikey", "create", "--name", "x"}, "role: must be ADMIN or PARTNER"},
		{"public role", []string{"apikey", "create", "--role", "PUBLIC", "--name", "x"}, "role: must be ADMIN or PARTNER"},
		{"no name", []string{"apikey", "create", "--role", "ADMIN"}, "name: must not be empty"},
		{"bad expiry", []string{"apikey", "create", "--role", "ADMIN", "--name", "x", "--expires", "soon"}, "invalid value"},
		{"stray argument", []string{"apikey", "list", "all"}, `unexpected argument "all"`},
		{"revoke without id", []string{"apikey", "revoke"}, "want one key ID"},
		{"revoke bad id", []string{"apikey", "revoke", "seven"}, `"seven" is not a key ID`},
		{"revoke unknown id", []string{"apikey", "revoke", "12345"}, "no API key 12345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runOut(t, env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestAPIKeyLifecycleOverHTTP: a key works, then stops working when revoked or expired,
// and its use is recorded at most once a minute; keys never reach the logs.
func TestAPIKeyLifecycleOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		authztest.New(t, db.Client)
		ctx := context.Background()
		var logs bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv, _ := testAppLogging(t, db, logger)

		const q = `{ launches(first: 10) { totalCount } }`
		launches := func(key string) (int, int, []byte) {
			status, raw := sendGQL(t, srv.URL, key, q, nil)
			var resp struct {
				Data struct{ Launches struct{ TotalCount int } }
			}
			_ = json.Unmarshal(raw, &resp)
			return status, resp.Data.Launches.TotalCount, raw
		}
		refused := func(key, message string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"`+q+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body gqlResponse
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("body %s: %v", raw, err)
			}
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") ||
				body.code() != string(apperr.Unauthenticated) || body.Errors[0].Message != message || body.Data != nil {
				t.Fatalf("status %d, WWW-Authenticate %q, body %s; want 401, Bearer, UNAUTHENTICATED %q",
					resp.StatusCode, resp.Header.Get("WWW-Authenticate"), raw, message)
			}
		}

		if status, n, raw := launches(""); status != http.StatusOK || n != 5 {
			t.Fatalf("public: %d %s, want 5 launches", status, raw)
		}
		key, k, err := auth.Create(ctx, db.Client, auth.Partner, "partner site", 0)
		if err != nil {
			t.Fatal(err)
		}
		if status, n, raw := launches(key); status != http.StatusOK || n != 6 {
			t.Fatalf("partner: %d %s, want 6 launches (the draft too)", status, raw)
		}
		used := db.Client.APIKey.GetX(ctx, k.ID).LastUsedAt
		if used == nil {
			t.Fatal("last_used_at not recorded")
		}
		launches(key)
		if again := db.Client.APIKey.GetX(ctx, k.ID).LastUsedAt; !again.Equal(*used) {
			t.Errorf("last_used_at moved from %v to %v within a minute", used, again)
		}

		if err := auth.Revoke(ctx, db.Client, k.ID); err != nil {
			t.Fatal(err)
		}
		refused(key, "API key revoked")

		expiring, e, err := auth.Create(ctx, db.Client, auth.Admin, "temporary", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if status, n, _ := launches(expiring); status != http.StatusOK || n != 6 {
			t.Fatalf("admin key before expiry: %d, %d launches", status, n)
		}
		db.Client.APIKey.UpdateOne(e).SetExpiresAt(time.Now().Add(-time.Second)).ExecX(ctx)
		refused(expiring, "API key expired")
		refused(auth.KeyPrefix+strings.Repeat("A", 43), "unknown API key")

		for _, secret := range []string{key, expiring, key[len(auth.KeyPrefix):], expiring[len(auth.KeyPrefix):]} {
			if strings.Contains(logs.String(), secret) {
				t.Fatalf("a key is in the logs:\n%s", logs.String())
			}
		}
		if !strings.Contains(logs.String(), `"status":401`) {
			t.Errorf("refusals are not in the access log:\n%s", logs.String())
		}
	})
}
