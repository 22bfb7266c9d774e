package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func TestHTTPCaching(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := newFeedKeys(t, seeded(t, db))
		srv := testServer(t, db, func(c *config) { c.CacheMaxAge = 90 * time.Second })
		getQuery := func(query string, headers ...string) (*http.Response, []byte) {
			return get(t, srv.URL+"/graphql?query="+url.QueryEscape(query), headers...)
		}
		const q = `{ launches(first: 5) { edges { node { slug title } } } }`
		checkVary := func(name string, resp *http.Response) {
			if v := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(v, "Authorization, Accept-Language") {
				t.Errorf("%s: Vary %q", name, v)
			}
		}

		resp, body := getQuery(q)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=90" || etag == "" || !bytes.Contains(body, []byte("cis-2020")) {
			t.Fatalf("anonymous GET: status %d, headers %v", resp.StatusCode, resp.Header)
		}
		checkVary("anonymous GET", resp)
		resp, body = getQuery(q, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: status %d, %d bytes", resp.StatusCode, len(body))
		}
		checkVary("304", resp)
		if resp, _ := getQuery(q, "If-None-Match", `"other"`); resp.StatusCode != http.StatusOK {
			t.Errorf("other ETag: status %d", resp.StatusCode)
		}
		// Another language is another body, and another ETag.
		if resp, _ := getQuery(`{ launches(first: 1) { edges { node { title } } } }`, "Accept-Language", "fr"); resp.Header.Get("ETag") == "" {
			t.Errorf("Accept-Language: no ETag")
		}

		noStore := []struct {
			name string
			do   func() *http.Response
		}{
			{"partner GET", func() *http.Response { r, _ := getQuery(q, bearer(keys.partner)...); return r }},
			{"admin GET", func() *http.Response { r, _ := getQuery(q, bearer(keys.admin)...); return r }},
			{"anonymous POST", func() *http.Response {
				r, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"`+q+`"}`))
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				return r
			}},
			{"a response with errors", func() *http.Response {
				r, _ := getQuery(`{ launches(first: 1) { edges { node { startsAt(tz: "Nowhere") } } } }`)
				return r
			}},
			{"a FORBIDDEN field", func() *http.Response {
				r, _ := getQuery(`{ launches(first: 1) { edges { node { registrationStats { total } } } } }`)
				return r
			}},
			{"a registration read by its token", func() *http.Response {
				r, _ := getQuery(`{ registration(token: "not-a-token") { name email } }`)
				return r
			}},
		}
		for _, c := range noStore {
			resp := c.do()
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("ETag") != "" {
				t.Errorf("%s: Cache-Control %q, ETag %q; want no-store and no ETag", c.name, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
			}
			checkVary(c.name, resp)
		}
	})
}

func TestAutomaticPersistedQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, seeded(t, db), func(c *config) { c.CacheMaxAge = time.Minute })
		const q = `{ regions(first: 10) { totalCount } }`
		sum := sha256.Sum256([]byte(q))
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
		byHash := srv.URL + "/graphql?extensions=" + url.QueryEscape(ext)

		// Unknown hash: the client must send the text once.
		resp, body := get(t, byHash)
		var out gqlResponse
		_ = json.Unmarshal(body, &out)
		if len(out.Errors) != 1 || out.Errors[0].Message != "PersistedQueryNotFound" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("unknown hash: status %d, %s, Cache-Control %q", resp.StatusCode, body, resp.Header.Get("Cache-Control"))
		}
		if resp, body := get(t, byHash+"&query="+url.QueryEscape(q)); resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"totalCount":6`)) {
			t.Fatalf("hash and text: status %d, %s", resp.StatusCode, body)
		}
		// From now on the hash alone is enough, and the GET is cacheable.
		resp, body = get(t, byHash)
		if resp.StatusCode != http.StatusOK || string(body) != `{"data":{"regions":{"totalCount":6}}}` ||
			resp.Header.Get("Cache-Control") != "public, max-age=60" || resp.Header.Get("ETag") == "" {
			t.Errorf("hash alone: status %d, %s, headers %v", resp.StatusCode, body, resp.Header)
		}
		// A hash that does not match the text is refused.
		bad := srv.URL + "/graphql?extensions=" + url.QueryEscape(strings.Replace(ext, `"sha256Hash":"`, `"sha256Hash":"00`, 1)) + "&query=" + url.QueryEscape(q)
		if _, body := get(t, bad); !bytes.Contains(body, []byte("provided APQ hash does not match query")) {
			t.Errorf("mismatched hash: %s", body)
		}
	})
}
