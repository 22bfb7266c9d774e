package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// managePost posts the cancel form with extra headers (pairs) and does not follow
// redirects.
func managePost(tb testing.TB, base string, form url.Values, headers ...string) (*http.Response, string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/manage/cancel", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func mustContain(tb testing.TB, what, body string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			tb.Errorf("%s lacks %q:\n%.3000s", what, w, body)
		}
	}
}

// TestManagePageLanguages: the page shows the registration in each UN language (Arabic
// right to left), picked by ?lang=, else the registrant's language; it needs no script and
// is never cached; a missing or unknown token gets a plain explanation.
func TestManagePageLanguages(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) {
		c.SetTitle("Launch <Kyiv & co>").SetTimezone("Europe/Kyiv").SetVenue("Palais des Nations")
	})
	reg := newRegClient(srv.URL, "").register(t, regInput(l.ID, "page@example.org")) // language fr
	token := url.QueryEscape(reg.Register.ManageToken)

	resp, body := get(t, srv.URL+"/manage?token="+token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /manage: %d %s", resp.StatusCode, body)
	}
	page := string(body)
	mustContain(t, "page", page, `<html lang="fr" dir="ltr">`, "Gérer votre inscription", "Launch &lt;Kyiv &amp; co&gt;",
		"Person page@example.org", "Palais des Nations", `data-status="CONFIRMED">confirmée<`, "(Europe/Kyiv)</bdi>", ` UTC</bdi>`,
		`action="/manage/cancel"`, `name="confirm" value="yes" required`, `/manage/calendar.ics?token=`)
	if strings.Contains(page, "<script") {
		t.Error("the page has a script")
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Content-Language": "fr"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP %q", csp)
	}

	for _, tt := range []struct{ lang, dir, title, status string }{
		{"ar", "rtl", "إدارة تسجيلك", "مؤكد"},
		{"zh", "ltr", "管理您的报名", "已确认"},
		{"en", "ltr", "Manage your registration", "confirmed"},
		{"fr", "ltr", "Gérer votre inscription", "confirmée"},
		{"ru", "ltr", "Управление регистрацией", "подтверждена"},
		{"es", "ltr", "Gestionar su inscripción", "confirmada"},
		{"ar-EG", "rtl", "إدارة تسجيلك", "مؤكد"},
	} {
		_, body := get(t, srv.URL+"/manage?token="+token+"&lang="+tt.lang)
		base, _, _ := strings.Cut(tt.lang, "-")
		mustContain(t, "lang "+tt.lang, string(body), `<html lang="`+base+`" dir="`+tt.dir+`">`, "<h1>"+tt.title+"</h1>", `">`+tt.status+`</dd>`,
			`lang="ar" dir="rtl" hreflang="ar"`, `hreflang="`+base+`" aria-current="page"`)
	}

	for _, tt := range []struct {
		query  string
		status int
		want   string
	}{
		{"", http.StatusBadRequest, "Open this page with the link in your registration email."},
		{"?token=lgr_unknown&lang=en", http.StatusNotFound, "This link is not valid"},
		{"?token=nonsense&lang=es", http.StatusNotFound, "Este enlace no es válido"},
	} {
		resp, body := get(t, srv.URL+"/manage"+tt.query, "Accept-Language", "en")
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) || strings.Contains(string(body), "<form") {
			t.Errorf("/manage%s: %d, want %d with %q:\n%s", tt.query, resp.StatusCode, tt.status, tt.want, body)
		}
	}
}

// TestManageCancel: the cancel form works from the page (303 back to it, the waitlisted
// registrant promoted), and is refused from another site (Origin, Sec-Fetch-Site) or
// unconfirmed, leaving the registration as it was; on both stores.
func TestManageCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1).SetWaitlistEnabled(true) })
		c := newRegClient(srv.URL, "")
		first := c.register(t, regInput(l.ID, "first@example.org"))
		second := c.register(t, regInput(l.ID, "second@example.org"))
		if second.Register.Registrant.Status != "WAITLISTED" {
			t.Fatalf("second: %s", second.Register.Registrant.Status)
		}
		token := first.Register.ManageToken
		form := url.Values{"token": {token}, "lang": {"en"}, "confirm": {"yes"}}
		host := strings.TrimPrefix(srv.URL, "http://")

		refused := []struct {
			name    string
			form    url.Values
			headers []string
			status  int
			want    string
		}{
			{"cross-site Origin", form, []string{"Origin", "https://evil.example"}, http.StatusForbidden, "did not come from this page"},
			{"cross-site fetch", form, []string{"Sec-Fetch-Site", "cross-site", "Origin", srv.URL}, http.StatusForbidden, "did not come from this page"},
			{"same-site fetch", form, []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden, "did not come from this page"},
			{"opaque origin", form, []string{"Origin", "null"}, http.StatusForbidden, "did not come from this page"},
			{"unconfirmed", url.Values{"token": {token}, "lang": {"en"}}, []string{"Origin", srv.URL}, http.StatusUnprocessableEntity, "Tick the box"},
			{"unknown token", url.Values{"token": {"lgr_nope"}, "lang": {"en"}, "confirm": {"yes"}}, []string{"Origin", srv.URL}, http.StatusNotFound, "This link is not valid"},
		}
		for _, tt := range refused {
			resp, body := managePost(t, srv.URL, tt.form, tt.headers...)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%s: %d, want %d with %q:\n%.2000s", tt.name, resp.StatusCode, tt.status, tt.want, body)
			}
			if got := c.registration(t, token); got.Status != "CONFIRMED" {
				t.Fatalf("%s: the registration is %s, want it untouched", tt.name, got.Status)
			}
		}

		resp, _ := managePost(t, srv.URL, form, "Origin", srv.URL, "Sec-Fetch-Site", "same-origin")
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/manage?") || !strings.Contains(loc, "done=cancelled") {
			t.Fatalf("cancel: %d Location %q", resp.StatusCode, loc)
		}
		if got := c.registration(t, token); got.Status != "CANCELLED" {
			t.Fatalf("after cancel: %s", got.Status)
		}
		if got := c.registration(t, second.Register.ManageToken); got.Status != "CONFIRMED" {
			t.Fatalf("waitlisted after the cancellation: %s, want CONFIRMED", got.Status)
		}
		_, body := get(t, "http://"+host+loc)
		mustContain(t, "page after cancel", string(body), `role="status">Your registration has been cancelled.`, `data-status="CANCELLED"`)
		if strings.Contains(string(body), "<form") {
			t.Error("a cancelled registration still shows the cancel form")
		}
		// Cancelling twice from an old tab changes nothing and says so.
		if resp, _ := managePost(t, srv.URL, form, "Origin", srv.URL); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("second cancel: %d", resp.StatusCode)
		}
	})
}

// TestManageCalendar: the page's .ics download is the launch as a CRLF calendar file; an
// unknown token is 404.
func TestManageCalendar(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db)
	reg := newRegClient(srv.URL, "").register(t, regInput(l.ID, "ics@example.org"))
	resp, body := get(t, srv.URL+"/manage/calendar.ics?token="+url.QueryEscape(reg.Register.ManageToken))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="`+l.Slug+`.ics"` || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("calendar: %d %v", resp.StatusCode, resp.Header)
	}
	checkICSLines(t, string(body), false)
	mustContain(t, "calendar", string(body), "SUMMARY:"+l.Title, "UID:launch-")
	if resp, _ := get(t, srv.URL+"/manage/calendar.ics?token=lgr_nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
}

// TestManageFrontendRedirect: with MANAGE_URL set to a frontend's page, /manage sends
// the browser there with its token.
func TestManageFrontendRedirect(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db, func(c *config) {
		c.Mail.PublicURL = "http://localhost:8080"
		c.Mail.ManageURL = "https://app.example.org/registration"
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/manage?token=lgr_a%2Bb")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://app.example.org/registration?token=lgr_a%2Bb" {
		t.Fatalf("%d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestManagePageInChromium drives the page in headless Chromium (playwright-core, in
// test/interop): Arabic renders right to left, the cancel button works without
// JavaScript (scripts disabled), and screenshots are written for a person to look at.
// Skipped where Debian's chromium is not installed.
func TestManagePageInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	node := interopNode(t, "playwright-core")
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetTimezone("Asia/Dubai").SetCapacity(10) })
	in := regInput(l.ID, "browser@example.org")
	in["language"] = "ar"
	reg := newRegClient(srv.URL, "").register(t, in)
	shots := os.Getenv("SCREENSHOT_DIR") // to keep them; else they go with the test
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("..", "test", "interop", "manage.mjs"),
		srv.URL+"/manage?token="+url.QueryEscape(reg.Register.ManageToken), shots)
	cmd.Env = append(cmd.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node manage.mjs: %v\n%s", err, out)
	}
	t.Logf("%s(screenshots in %s)", out, shots)
	if got := newRegClient(srv.URL, "").registration(t, reg.Register.ManageToken); got.Status != "CANCELLED" {
		t.Fatalf("after the click: %s, want CANCELLED", got.Status)
	}
}

// TestManageURLSetting: MANAGE_URL is empty by default (this server's page,
// PUBLIC_URL/manage) and must be an http(s) URL without a query.
func TestManageURLSetting(t *testing.T) {
	for _, tt := range []struct {
		env       map[string]string
		want, err string
	}{
		{map[string]string{}, "", ""},
		{map[string]string{"MANAGE_URL": "https://app.example.org/manage"}, "https://app.example.org/manage", ""},
		{map[string]string{"MANAGE_URL": "ftp://app.example.org/manage"}, "", "MANAGE_URL must be"},
		{map[string]string{"MANAGE_URL": "https://app.example.org/manage?x=1"}, "", "MANAGE_URL must be"},
	} {
		cfg, err := loadConfig("serve", nil, func(k string) string { return tt.env[k] }, io.Discard)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: err %v, want %q", tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || cfg.Mail.ManageURL != tt.want {
			t.Errorf("%v: %q, %v; want %q", tt.env, cfg.Mail.ManageURL, err, tt.want)
		}
	}
}
