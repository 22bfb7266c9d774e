package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/internal/store/storetest"
)

var assetRef = regexp.MustCompile(`(src|href)="([^"]*)"\s+integrity="([^"]*)"`)

// TestGraphiQLIsSelfContained: the page references no external URL; each asset it loads
// is served from the binary with its type, a year of immutable caching and the bytes its
// integrity attribute names; /favicon.ico is an icon.
func TestGraphiQLIsSelfContained(t *testing.T) {
	srv := testServer(t, storetest.SQLite(t))
	resp, page := get(t, srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, external := range []string{"http://", "https://", "cdn.", "jsdelivr", "unpkg"} {
		if bytes.Contains(page, []byte(external)) {
			t.Errorf("the page contains %q", external)
		}
	}
	refs := assetRef.FindAllSubmatch(page, -1)
	if len(refs) != 4 {
		t.Fatalf("%d assets with integrity in the page, want 4:\n%s", len(refs), page)
	}
	wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	for _, ref := range refs {
		path, integrity := html.UnescapeString(string(ref[2])), html.UnescapeString(string(ref[3]))
		u, err := url.Parse(path)
		if err != nil || u.Host != "" || !strings.HasPrefix(path, "/graphiql/") {
			t.Errorf("asset %q is not served here", path)
			continue
		}
		resp, body := get(t, srv.URL+path)
		ext := path[strings.LastIndex(path, "."):]
		sum := sha256.Sum256(body)
		switch {
		case resp.StatusCode != http.StatusOK:
			t.Errorf("%s: %d", path, resp.StatusCode)
		case resp.Header.Get("Content-Type") != wantType[ext]:
			t.Errorf("%s: Content-Type %q, want %q", path, resp.Header.Get("Content-Type"), wantType[ext])
		case resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable":
			t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		case resp.Header.Get("X-Content-Type-Options") != "nosniff":
			t.Errorf("%s: no nosniff", path)
		case "sha256-"+base64.StdEncoding.EncodeToString(sum[:]) != integrity:
			t.Errorf("%s: body does not match integrity %s", path, integrity)
		}
		if etag := resp.Header.Get("ETag"); etag != "" {
			if again, _ := get(t, srv.URL+path, "If-None-Match", etag); again.StatusCode != http.StatusNotModified {
				t.Errorf("%s: If-None-Match → %d, want 304", path, again.StatusCode)
			}
		}
	}
	if resp, _ := get(t, srv.URL+"/graphiql/nothing.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown asset: %d, want 404", resp.StatusCode)
	}
	resp, icon := get(t, srv.URL+"/favicon.ico")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" ||
		!bytes.HasPrefix(icon, []byte{0, 0, 1, 0}) || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=86400") {
		t.Errorf("/favicon.ico: %d %q %q % x", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), icon[:min(4, len(icon))])
	}
}

// TestSubscriptionOverPlainHTTP: a subscription sent as a plain POST or GET gets
// OPERATION_NOT_SUPPORTED saying how to subscribe, not its first event.
func TestSubscriptionOverPlainHTTP(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db)
	q := `subscription { seatsChanged(slug: "` + l.Slug + `") { confirmed } }`
	check := func(how string, raw []byte) {
		t.Helper()
		if !bytes.Contains(raw, []byte(`"OPERATION_NOT_SUPPORTED"`)) || !bytes.Contains(raw, []byte("websocket")) || bytes.Contains(raw, []byte(`"confirmed"`)) {
			t.Errorf("%s: %s", how, raw)
		}
	}
	_, raw := sendGQL(t, srv.URL, "", q, nil)
	check("POST", raw)
	_, raw = get(t, srv.URL+"/graphql?query="+url.QueryEscape(q))
	check("GET", raw)
}

// TestGraphiQLRendersOffline loads / in headless Chromium on this machine, which reaches
// no CDN: GraphiQL must render (its editor in the DOM, not "Loading…"). Skipped where
// Debian's chromium is not installed.
func TestGraphiQLRendersOffline(t *testing.T) {
	chromium := chromiumPath(t)
	srv := testServer(t, storetest.SQLite(t))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, chromium, append(chromiumFlags(t), "--virtual-time-budget=15000", "--dump-dom", srv.URL+"/")...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if !bytes.Contains(dom, []byte("graphiql-container")) || bytes.Contains(dom, []byte(`class="loading"`)) {
		t.Fatalf("GraphiQL did not render:\n%.2000s", dom)
	}
}

// chromiumPath is Debian's chromium, or a skip.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	return p
}

// chromiumFlags start headless Chromium as root on a machine without network access.
func chromiumFlags(t *testing.T) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
}

// TestGraphiQLSubscriptionInChromium types a query and a subscription into GraphiQL in
// headless Chromium: the subscription goes over the websocket and its first event shows;
// nothing is requested from another host. Skipped where Debian's chromium is not installed.
func TestGraphiQLSubscriptionInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	node := interopNode(t, "playwright-core")
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(7) })
	shots := os.Getenv("SCREENSHOT_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("..", "test", "interop", "graphiql.mjs"), srv.URL, l.Slug, shots)
	cmd.Env = append(cmd.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node graphiql.mjs: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
