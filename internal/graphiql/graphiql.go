// Package graphiql serves GraphiQL from the binary: the page and its pinned assets
// (GraphiQL 4.1.2, React 18.2.0) are embedded, so that it works offline, on locked-down
// networks and in air-gapped offices. The page loads nothing from elsewhere; every asset
// carries a Subresource Integrity hash and, its name holding its version, is cached for
// a year.
package graphiql

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql/playground"
)

//go:embed assets
var files embed.FS

// Prefix is the path the assets are served under.
const Prefix = "/graphiql/"

// Asset is one embedded file with its pinned SHA-256 (base64, as in an integrity
// attribute): the same files and hashes as the upstream packages on npm.
type Asset struct {
	Name, Type, SHA256 string
}

// Assets are the pinned files the page loads.
var Assets = []Asset{
	{"graphiql-4.1.2.min.js", "text/javascript; charset=utf-8", "hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="},
	{"graphiql-4.1.2.min.css", "text/css; charset=utf-8", "MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="},
	{"react-18.2.0.production.min.js", "text/javascript; charset=utf-8", "S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="},
	{"react-dom-18.2.0.production.min.js", "text/javascript; charset=utf-8", "IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="},
}

// favicon is the icon browsers ask for at /favicon.ico.
const favicon = "favicon.ico"

// Integrity is the asset's integrity attribute value.
func (a Asset) Integrity() string { return "sha256-" + a.SHA256 }

// Page returns the GraphiQL page for the endpoint (e.g. "/graphql"); subscriptions go
// over its websocket.
func Page(title, endpoint string) http.Handler {
	js, css, react, reactDOM := Assets[0], Assets[1], Assets[2], Assets[3]
	return playground.Handler(title, endpoint,
		playground.WithGraphiqlVersion(Prefix+js.Name, Prefix+css.Name, js.Integrity(), css.Integrity()),
		playground.WithGraphiqlReactVersion(Prefix+react.Name, Prefix+reactDOM.Name, react.Integrity(), reactDOM.Integrity()),
		playground.WithStoragePrefix("launchgraph:"),
	)
}

// Files serves the assets under Prefix (the mux strips nothing: {name} is the file):
// immutable for a year, with their type and no sniffing.
func Files() http.Handler {
	byName := map[string]Asset{}
	for _, a := range Assets {
		byName[a.Name] = a
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byName[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve(w, r, "assets/"+a.Name, a.Type, "public, max-age=31536000, immutable")
	})
}

// Favicon serves /favicon.ico, cached for a day.
func Favicon() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, "assets/"+favicon, "image/x-icon", "public, max-age=86400")
	})
}

func serve(w http.ResponseWriter, r *http.Request, path, typ, control string) {
	b, err := files.ReadFile(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(b)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("Cache-Control", control)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}
