package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"launchgraph/internal/auth"
	"launchgraph/internal/demo"
	"launchgraph/internal/store"
)

// devKeyName names the admin key a development server makes at its first start.
const devKeyName = "development (made at first start)"

// devStart is what a development start prepared, for the banner.
type devStart struct {
	// AdminKey is the admin key made because the store had none; shown once.
	AdminKey string
	// Sandbox reports that the demo sandbox launch is there.
	Sandbox bool
}

// prepareDevelopment makes, in development only, an ADMIN key when the store has no key
// at all (the first start), and the sandbox launch with -demo. Production is untouched.
func prepareDevelopment(ctx context.Context, cfg config, db *store.DB) (devStart, error) {
	var d devStart
	if cfg.production() {
		return d, nil
	}
	n, err := db.Client.APIKey.Query().Count(ctx)
	if err != nil {
		return d, fmt.Errorf("serve: count API keys: %w", err)
	}
	if n == 0 {
		if d.AdminKey, _, err = auth.Create(ctx, db.Client, auth.Admin, devKeyName, 0); err != nil {
			return d, fmt.Errorf("serve: development admin key: %w", err)
		}
	}
	if cfg.Demo {
		if _, err := demo.Ensure(ctx, db.Client, time.Now()); err != nil {
			return d, fmt.Errorf("serve: %w", err)
		}
		d.Sandbox = true
	}
	return d, nil
}

// printBanner tells a person where the server is, on what store, and (development) the
// admin key made at first start, which is shown only now.
func printBanner(w io.Writer, addr net.Addr, cfg config, d devStart) {
	base := serveURL(addr)
	fmt.Fprintf(w, "launchgraph: serving %s (GraphiQL; API at %sgraphql), store: %s, %s mode\n",
		base, base, describeStore(cfg), cfg.Env)
	if d.AdminKey != "" {
		fmt.Fprintf(w, "launchgraph: admin key (made at first start, shown only now; send it as Authorization: Bearer <key>):\n%s\n", d.AdminKey)
	}
	if d.Sandbox {
		fmt.Fprintf(w, "launchgraph: demo: the made-up launch %q is open for registration: launch(slug: %q)\n", demo.Slug, demo.Slug)
	}
}

// serveURL is the URL a person on this machine opens for the listener at addr.
func serveURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// describeStore names the store without credentials: the SQLite file or the PostgreSQL
// host and database.
func describeStore(cfg config) string {
	raw := strings.TrimSpace(cfg.DatabaseURL)
	lower := strings.ToLower(raw)
	switch {
	case raw == "":
		return "embedded SQLite " + filepath.Join(cfg.DataDir, store.DefaultSQLiteFile)
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return "PostgreSQL"
		}
		return "PostgreSQL " + u.Host + u.Path
	default:
		path, _, _ := strings.Cut(raw, "?")
		return "SQLite " + path
	}
}
