package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"launchgraph/internal/auth"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"launchgraph/graph"
	"launchgraph/internal/outbox"
	"launchgraph/internal/registration"
	"launchgraph/internal/store"
)

// config is everything the server reads from its environment and flags; nothing else
// reads the environment.
type config struct {
	// RateLimits are requests per minute (0 disables): anonymous per IP, register per IP,
	// partner per key.
	RateLimits RateLimits
	// KeyComplexity is the operation cost budget of partner and admin keys.
	KeyComplexity int
	// ShutdownDrain is how long /readyz answers 503 before the listener closes.
	ShutdownDrain time.Duration
	// OperationTimeout bounds one GraphQL operation.
	OperationTimeout time.Duration
	// AnonymousReadTimeout bounds an anonymous query (shorter than OperationTimeout).
	AnonymousReadTimeout time.Duration
	Addr                 string
	// MetricsAddr, when set, serves /metrics on its own listener instead of the API's.
	MetricsAddr    string
	DatabaseURL    string
	DataDir        string
	Env            string
	Introspection  bool
	AllowedOrigins []string
	LogLevel       string
	LogFormat      string
	MaxOpenConns   int
	MaxIdleConns   int
	// StatementCacheSize is how many prepared statements each PostgreSQL connection
	// keeps; 0 turns the cache off (e.g. behind a pooler that does not keep them).
	StatementCacheSize int
	// BatchWorkers bounds the registration group commits running at once.
	BatchWorkers  int
	ShutdownGrace time.Duration
	Migrate       bool
	Seed          bool
	// Demo adds the sandbox launch (internal/demo) at start; development only.
	Demo bool

	// CacheMaxAge is how long shared caches may keep anonymous GET responses of public
	// data (/graphql, /feeds); 0 turns caching off.
	CacheMaxAge time.Duration

	// Mail configures registration emails (the outbox).
	Mail mailConfig

	// streamTimings are the websocket and SSE intervals; tests shorten them, serve keeps
	// the defaults.
	streamTimings graph.StreamTimings
	// shedding bounds the operations running at once; zero values: twice the pool (serve).
	shedding graph.Shedding
	// keyCache, when its TTL is set, replaces the store's API-key cache sizing (tests).
	keyCache auth.KeyCacheConfig
}

// mailConfig configures the registration emails.
type mailConfig struct {
	// SMTPURL is smtp://user:pass@host:587 (STARTTLS; ?starttls=none for test servers) or
	// smtps://…; empty writes .eml files under DataDir/outbox.
	SMTPURL string
	// From is the sender of the emails.
	From string
	// PublicURL is the base of the links in the emails.
	PublicURL string
	// MaxAttempts is how many deliveries are tried before a message is FAILED.
	MaxAttempts int
	// TokenKey is the secret manage tokens waiting in the outbox are sealed with; empty
	// uses a development key.
	TokenKey string
	// ManageURL is the frontend's page the emails link to with ?token=…; empty is this
	// server's own page, PublicURL/manage.
	ManageURL string
}

// production reports whether safe production defaults apply.
func (c config) production() bool { return c.Env == "production" }

// loadConfig reads the environment, then flags of the same meaning (flags win).
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var origins, introspection, maxOpen, maxIdle, stmtCache, batchWorkers, grace, cacheMaxAge string
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("METRICS_ADDR", ""), "serve /metrics on this address instead of ADDR; without it, /metrics needs an ADMIN key in production (METRICS_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "postgres://… or sqlite://PATH; empty: embedded SQLite in the data dir (DATABASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "."), "where the embedded store lives (DATA_DIR)")
	fs.StringVar(&c.Env, "env", env("ENV", "development"), "development or production (ENV)")
	fs.StringVar(&introspection, "introspection", env("INTROSPECTION", ""), "schema introspection for anonymous callers; default on in development (INTROSPECTION)")
	fs.StringVar(&origins, "allowed-origins", env("ALLOWED_ORIGINS", ""), "comma-separated CORS and websocket origins (ALLOWED_ORIGINS)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", ""), "text or json; default text on a terminal, else json (LOG_FORMAT)")
	fs.StringVar(&maxOpen, "db-max-open-conns", env("DB_MAX_OPEN_CONNS", "0"), "pool size; 0 sizes it for the machine (DB_MAX_OPEN_CONNS)")
	fs.StringVar(&maxIdle, "db-max-idle-conns", env("DB_MAX_IDLE_CONNS", "0"), "idle pool size; 0 sizes it for the machine (DB_MAX_IDLE_CONNS)")
	fs.StringVar(&stmtCache, "db-statement-cache-size", env("DB_STATEMENT_CACHE_SIZE", strconv.Itoa(store.DefaultStatementCacheSize)),
		"prepared statements kept per PostgreSQL connection; 0 turns the cache off (DB_STATEMENT_CACHE_SIZE)")
	fs.StringVar(&batchWorkers, "registration-batch-workers", env("REGISTRATION_BATCH_WORKERS", strconv.Itoa(registration.DefaultBatchWorkers)),
		"registration group commits running at once, each over launches the others do not hold (REGISTRATION_BATCH_WORKERS)")
	fs.StringVar(&grace, "shutdown-grace", env("SHUTDOWN_GRACE", "20s"), "graceful shutdown budget (SHUTDOWN_GRACE)")
	fs.StringVar(&cacheMaxAge, "cache-max-age", env("CACHE_MAX_AGE", "60s"), "max-age of cacheable anonymous GET responses; 0 disables (CACHE_MAX_AGE)")
	var mailAttempts string
	fs.StringVar(&c.Mail.SMTPURL, "smtp-url", env("SMTP_URL", ""), "smtp://user:pass@host:587 (STARTTLS; ?starttls=none to disable) or smtps://…; empty writes .eml files under DATA_DIR/outbox (SMTP_URL)")
	fs.StringVar(&c.Mail.From, "mail-from", env("MAIL_FROM", "COP 2020 Launches <no-reply@localhost>"), "sender of registration emails (MAIL_FROM)")
	fs.StringVar(&c.Mail.PublicURL, "public-url", env("PUBLIC_URL", "http://localhost:8080"), "public base URL for links in emails (PUBLIC_URL)")
	fs.StringVar(&c.Mail.TokenKey, "mail-token-key", env("MAIL_TOKEN_KEY", ""), "secret sealing the manage tokens of unsent emails; set it in production, the same on every replica (MAIL_TOKEN_KEY)")
	fs.StringVar(&mailAttempts, "mail-max-attempts", env("MAIL_MAX_ATTEMPTS", "8"), "delivery attempts before an email is FAILED (MAIL_MAX_ATTEMPTS)")
	var rateAnon, rateRegister, ratePartner, keyComplexity, opTimeout, anonTimeout, drain string
	fs.StringVar(&drain, "shutdown-drain", env("SHUTDOWN_DRAIN", ""), "how long /readyz answers 503 before the listener closes; default 5s in production, 0 in development (SHUTDOWN_DRAIN)")
	fs.StringVar(&rateAnon, "rate-limit-anonymous", env("RATE_LIMIT_ANONYMOUS", "600"), "requests per minute per IP for anonymous callers; 0 disables (RATE_LIMIT_ANONYMOUS)")
	fs.StringVar(&rateRegister, "rate-limit-register", env("RATE_LIMIT_REGISTER", "30"), "register mutations per minute per IP; 0 disables (RATE_LIMIT_REGISTER)")
	fs.StringVar(&ratePartner, "rate-limit-partner", env("RATE_LIMIT_PARTNER", "6000"), "requests per minute per partner key; 0 disables (RATE_LIMIT_PARTNER)")
	fs.StringVar(&keyComplexity, "key-complexity-limit", env("KEY_COMPLEXITY_LIMIT", "50000"), "operation cost budget for partner and admin keys (KEY_COMPLEXITY_LIMIT)")
	fs.StringVar(&opTimeout, "operation-timeout", env("OPERATION_TIMEOUT", "15s"), "deadline of one GraphQL operation (OPERATION_TIMEOUT)")
	fs.StringVar(&anonTimeout, "anonymous-read-timeout", env("ANONYMOUS_READ_TIMEOUT", "3s"), "deadline of an anonymous query; its statements are cancelled when it passes (ANONYMOUS_READ_TIMEOUT)")
	fs.BoolVar(&c.Migrate, "migrate", true, "apply migrations at start")
	fs.BoolVar(&c.Seed, "seed", true, "seed the COP 2020 data into an empty database at start")
	demoDefault, demoErr := strconv.ParseBool(env("DEMO", "false"))
	fs.BoolVar(&c.Demo, "demo", demoDefault, "add a sandbox launch open for registration; development only (DEMO)")
	fs.StringVar(&c.Mail.ManageURL, "manage-url", env("MANAGE_URL", ""), "the frontend's manage page, linked from emails with ?token=…; default PUBLIC_URL/manage, served here (MANAGE_URL)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags of %s (each also an environment variable, in brackets; flags win):\n", usage, name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.Env != "development" && c.Env != "production" {
		return config{}, fmt.Errorf("config: ENV must be development or production, not %q", c.Env)
	}
	if demoErr != nil {
		return config{}, fmt.Errorf("config: DEMO must be true or false, not %q", getenv("DEMO"))
	}
	if c.Demo && c.production() {
		return config{}, errors.New("config: the demo sandbox is for development only, not with ENV=production")
	}
	c.Introspection = !c.production()
	if introspection != "" {
		if c.Introspection, err = strconv.ParseBool(introspection); err != nil {
			return config{}, fmt.Errorf("config: INTROSPECTION: %w", err)
		}
	}
	if c.MaxOpenConns, err = strconv.Atoi(maxOpen); err != nil || c.MaxOpenConns < 0 {
		return config{}, fmt.Errorf("config: DB_MAX_OPEN_CONNS must be a whole number ≥ 0, not %q", maxOpen)
	}
	if c.MaxIdleConns, err = strconv.Atoi(maxIdle); err != nil || c.MaxIdleConns < 0 {
		return config{}, fmt.Errorf("config: DB_MAX_IDLE_CONNS must be a whole number ≥ 0, not %q", maxIdle)
	}
	if c.StatementCacheSize, err = strconv.Atoi(stmtCache); err != nil || c.StatementCacheSize < 0 {
		return config{}, fmt.Errorf("config: DB_STATEMENT_CACHE_SIZE must be a whole number ≥ 0, not %q", stmtCache)
	}
	if c.BatchWorkers, err = strconv.Atoi(batchWorkers); err != nil || c.BatchWorkers < 1 {
		return config{}, fmt.Errorf("config: REGISTRATION_BATCH_WORKERS must be a whole number ≥ 1, not %q", batchWorkers)
	}
	if c.ShutdownGrace, err = time.ParseDuration(grace); err != nil || c.ShutdownGrace <= 0 {
		return config{}, fmt.Errorf("config: SHUTDOWN_GRACE must be a positive duration, not %q", grace)
	}
	if c.CacheMaxAge, err = time.ParseDuration(cacheMaxAge); err != nil || c.CacheMaxAge < 0 {
		return config{}, fmt.Errorf("config: CACHE_MAX_AGE must be a duration ≥ 0, not %q", cacheMaxAge)
	}
	for _, f := range []struct {
		name, raw string
		dst       *int
	}{
		{"RATE_LIMIT_ANONYMOUS", rateAnon, &c.RateLimits.Anonymous},
		{"RATE_LIMIT_REGISTER", rateRegister, &c.RateLimits.Register},
		{"RATE_LIMIT_PARTNER", ratePartner, &c.RateLimits.Partner},
		{"KEY_COMPLEXITY_LIMIT", keyComplexity, &c.KeyComplexity},
	} {
		if *f.dst, err = strconv.Atoi(f.raw); err != nil || *f.dst < 0 {
			return config{}, fmt.Errorf("config: %s must be a whole number ≥ 0, not %q", f.name, f.raw)
		}
	}
	if drain == "" {
		drain = "0s"
		if c.production() {
			drain = "5s"
		}
	}
	if c.ShutdownDrain, err = time.ParseDuration(drain); err != nil || c.ShutdownDrain < 0 {
		return config{}, fmt.Errorf("config: SHUTDOWN_DRAIN must be a duration ≥ 0, not %q", drain)
	}
	if c.OperationTimeout, err = time.ParseDuration(opTimeout); err != nil || c.OperationTimeout <= 0 {
		return config{}, fmt.Errorf("config: OPERATION_TIMEOUT must be a positive duration, not %q", opTimeout)
	}
	if c.AnonymousReadTimeout, err = time.ParseDuration(anonTimeout); err != nil || c.AnonymousReadTimeout <= 0 {
		return config{}, fmt.Errorf("config: ANONYMOUS_READ_TIMEOUT must be a positive duration, not %q", anonTimeout)
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if c.Mail.MaxAttempts, err = strconv.Atoi(mailAttempts); err != nil || c.Mail.MaxAttempts < 1 {
		return config{}, fmt.Errorf("config: MAIL_MAX_ATTEMPTS must be a whole number ≥ 1, not %q", mailAttempts)
	}
	if _, err := netmail.ParseAddress(c.Mail.From); err != nil {
		return config{}, fmt.Errorf("config: MAIL_FROM must be an email address, not %q", c.Mail.From)
	}
	if u, err := url.Parse(c.Mail.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return config{}, fmt.Errorf("config: PUBLIC_URL must be an http(s) URL, not %q", c.Mail.PublicURL)
	}
	c.Mail.PublicURL = strings.TrimRight(c.Mail.PublicURL, "/")
	if c.Mail.ManageURL != "" { // empty (the default): this server's own page, PUBLIC_URL/manage
		if u, err := url.Parse(c.Mail.ManageURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return config{}, fmt.Errorf("config: MANAGE_URL must be an http(s) URL without a query, not %q", c.Mail.ManageURL)
		}
	}
	if c.Mail.SMTPURL != "" {
		if _, err := outbox.NewSMTP(c.Mail.SMTPURL); err != nil {
			return config{}, fmt.Errorf("config: %w", err)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return config{}, fmt.Errorf("config: LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return config{}, fmt.Errorf("config: LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	return c, nil
}

// wantsHelp reports whether args ask for the usage (-h, -help, --help).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}

// printHelp writes the usage and the flags of cmd to stdout: asking for help succeeds.
func printHelp(cmd string, getenv func(string) string, stdout io.Writer) error {
	if _, err := loadConfig(cmd, []string{"-h"}, getenv, stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}
