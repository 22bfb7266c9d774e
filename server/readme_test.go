package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"launchgraph/internal/store/storetest"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	lang, text string
	line       int
}

// readmeBlocks returns README.md's fenced code blocks in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: n}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// readmeRun is one fresh `server demo` and what the examples learnt from its answers.
type readmeRun struct {
	url, admin, partner string
	env                 map[string]string
	// vars are the values of variables without defaults: taken from earlier answers, as a
	// person copies them (launchId, registrantId, token).
	vars map[string]any
	subs []*readmeSub
}

type readmeSub struct {
	at     string
	client *wsClient
}

// TestREADMEExamples runs every example of README.md against a fresh `server demo`, in
// order, on SQLite and PostgreSQL: each GraphQL operation (queries and mutations over
// HTTP, subscriptions over a websocket, opened first so that the walkthrough's changes
// reach them), each curl command and each `go run ./server apikey` command must succeed
// without errors. Blocks marked "(admin key)" or "(partner key)" send that key.
func TestREADMEExamples(t *testing.T) {
	blocks := readmeBlocks(t)
	storetestEach(t, func(t *testing.T, env map[string]string) {
		url, out := runPrinting(t, env, "demo")
		rr := &readmeRun{url: url, env: env, admin: keyLine.FindString(out.String()), vars: map[string]any{}}
		if rr.admin == "" {
			t.Fatalf("no admin key in the banner:\n%s", out)
		}
		rr.partner = rr.cli(t, "apikey", "create", "--role", "PARTNER", "--name", "readme")
		ran := 0
		for _, b := range blocks {
			if b.lang == "graphql" {
				ran += rr.openSubscriptions(t, b)
			}
		}
		for _, b := range blocks {
			switch b.lang {
			case "graphql":
				ran += rr.graphql(t, b)
			case "sh":
				ran += rr.shell(t, b)
			}
		}
		for _, s := range rr.subs {
			m, ok := s.client.within(10 * time.Second)
			if !ok {
				t.Errorf("%s: no event", s.at)
				continue
			}
			var p struct{ Errors []gqlError }
			_ = json.Unmarshal(m.Payload, &p)
			if m.Type != "next" || len(p.Errors) > 0 {
				t.Errorf("%s: %s %s", s.at, m.Type, m.Payload)
			}
		}
		t.Logf("%d README examples ran", ran)
	})
}

// storetestEach runs fn on a fresh embedded store and on a fresh PostgreSQL database.
func storetestEach(t *testing.T, fn func(t *testing.T, env map[string]string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, map[string]string{"DATA_DIR": t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, map[string]string{"DATA_DIR": t.TempDir(), "DATABASE_URL": storetest.PostgresURL(t)})
	})
}

// operations splits a block into its operations, each as a document of its own.
func operations(t *testing.T, b readmeBlock) []*ast.OperationDefinition {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: b.text})
	if err != nil {
		t.Fatalf("README line %d: %v", b.line, err)
	}
	return doc.Operations
}

func source(op *ast.OperationDefinition) string {
	var sb strings.Builder
	formatter.NewFormatter(&sb).FormatQueryDocument(&ast.QueryDocument{Operations: ast.OperationList{op}})
	return sb.String()
}

// keyFor is the key a block asks for.
func (rr *readmeRun) keyFor(b readmeBlock) string {
	switch {
	case strings.Contains(b.text, "(admin key)"):
		return rr.admin
	case strings.Contains(b.text, "(partner key)"):
		return rr.partner
	}
	return ""
}

// variables are the values of op's required variables that have no default.
func (rr *readmeRun) variables(t *testing.T, b readmeBlock, op *ast.OperationDefinition) map[string]any {
	t.Helper()
	vars := map[string]any{}
	for _, v := range op.VariableDefinitions {
		if v.DefaultValue != nil || !v.Type.NonNull {
			continue
		}
		val, ok := rr.vars[v.Variable]
		if !ok {
			t.Fatalf("README line %d: $%s has no default and no earlier answer gives it", b.line, v.Variable)
		}
		vars[v.Variable] = val
	}
	return vars
}

func (rr *readmeRun) openSubscriptions(t *testing.T, b readmeBlock) int {
	n := 0
	for _, op := range operations(t, b) {
		if op.Operation != ast.Subscription {
			continue
		}
		payload := map[string]any{}
		if key := rr.keyFor(b); key != "" {
			payload["authorization"] = "Bearer " + key
		}
		c, err := dialWS(t, rr.url, "graphql-transport-ws", payload, nil)
		if err != nil {
			t.Fatalf("README line %d: %v", b.line, err)
		}
		c.subscribe(t, "1", source(op), rr.variables(t, b, op))
		rr.subs = append(rr.subs, &readmeSub{at: "README line " + itoa(b.line), client: c})
		n++
	}
	return n
}

func (rr *readmeRun) graphql(t *testing.T, b readmeBlock) int {
	n := 0
	for _, op := range operations(t, b) {
		if op.Operation == ast.Subscription {
			continue
		}
		resp := gqlAs(t, rr.url, rr.keyFor(b), source(op), rr.variables(t, b, op))
		if len(resp.Errors) > 0 {
			t.Errorf("README line %d: %s: errors %+v", b.line, op.Name, resp.Errors)
			continue
		}
		rr.learn(resp.Data)
		n++
	}
	return n
}

// learn keeps the values later examples refer to.
func (rr *readmeRun) learn(data json.RawMessage) {
	var d struct {
		Launch *struct {
			ID   string
			Slug string
		}
		Register *struct {
			ManageToken string
			Registrant  struct{ ID string }
		}
	}
	_ = json.Unmarshal(data, &d)
	if d.Launch != nil && d.Launch.ID != "" {
		rr.vars["launchId"] = d.Launch.ID
	}
	if d.Register != nil {
		rr.vars["token"] = d.Register.ManageToken
		rr.vars["registrantId"] = d.Register.Registrant.ID
	}
}

var placeholder = regexp.MustCompile(`\b[A-Z]{2,}\b`)

// shell runs a block's curl commands (at the test server, with $KEY the admin key) and
// its `go run ./server apikey …` commands (through run, on the same store); it skips the
// commands that start a server or need a placeholder filled in (ID).
func (rr *readmeRun) shell(t *testing.T, b readmeBlock) int {
	n := 0
	for i, line := range strings.Split(b.text, "\n") {
		cmd, _, _ := strings.Cut(line, " # ")
		cmd = strings.TrimSpace(cmd)
		at := "README line " + itoa(b.line+1+i)
		switch {
		case strings.HasPrefix(cmd, "curl "):
			if _, err := exec.LookPath("curl"); err != nil {
				t.Logf("%s: skipped (no curl on this machine): %s", at, cmd)
				continue
			}
			sh := exec.Command("sh", "-c", strings.ReplaceAll(cmd, "http://localhost:8080", rr.url))
			sh.Env = append(os.Environ(), "KEY="+rr.admin)
			out, err := sh.CombinedOutput()
			if err != nil || strings.Contains(string(out), `"errors"`) {
				t.Errorf("%s: %s: %v\n%.500s", at, cmd, err, out)
			}
			n++
		case strings.HasPrefix(cmd, "go run ./server apikey "):
			args := strings.Fields(strings.TrimPrefix(cmd, "go run ./server "))
			if placeholder.MatchString(strings.Join(args[2:], " ")) && !strings.Contains(cmd, "--role") {
				t.Logf("%s: skipped (placeholder): %s", at, cmd)
				continue
			}
			rr.cli(t, args...)
			n++
		case cmd != "":
			t.Logf("%s: not run here: %s", at, cmd)
		}
	}
	return n
}

// cli runs the program with args on the run's store and returns its last line.
func (rr *readmeRun) cli(t *testing.T, args ...string) string {
	t.Helper()
	var out strings.Builder
	env := map[string]string{"DATA_DIR": rr.env["DATA_DIR"], "DATABASE_URL": rr.env["DATABASE_URL"]}
	if err := run(context.Background(), append([]string{"server"}, args...), func(k string) string { return env[k] }, &out, os.Stderr); err != nil {
		t.Fatalf("server %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}

func itoa(n int) string { return strconv.Itoa(n) }
