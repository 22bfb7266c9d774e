package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"launchgraph/ent"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
)

const apikeyUsage = `usage: server apikey create --role ADMIN|PARTNER --name NAME [--expires 720h]
       server apikey list
       server apikey revoke ID

create prints the new key once, alone on the last line; only its SHA-256 is stored.
list shows every key without secrets. revoke refuses the key from then on.
The store is the one serve uses (DATABASE_URL, DATA_DIR); migrations are applied first.`

// runAPIKey runs `server apikey …`: it manages the API keys of partners and admins.
func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, apikeyUsage)
		return errors.New("apikey: missing subcommand: create, list or revoke")
	}
	if sub := args[0]; sub == "help" || sub == "-h" || sub == "--help" {
		fmt.Fprintln(stdout, apikeyUsage)
		return nil
	}
	do, err := apikeyCommand(args[0], args[1:], stdout, stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig("apikey", nil, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return do(ctx, db.Client)
}

// apikeyCommand parses the subcommand sub and its arguments into what it does to the store.
func apikeyCommand(sub string, rest []string, stdout, stderr io.Writer) (func(context.Context, *ent.Client) error, error) {
	var do func(context.Context, *ent.Client) error
	switch sub {
	case "create":
		fs := apikeyFlags("apikey create", stderr)
		role := fs.String("role", "", "ADMIN or PARTNER")
		name := fs.String("name", "", "who or what the key is for")
		expires := fs.Duration("expires", 0, "validity, e.g. 720h; 0 never expires")
		if err := parseAll(fs, rest); err != nil {
			return nil, err
		}
		do = func(ctx context.Context, client *ent.Client) error {
			return createKey(ctx, client, stdout, auth.Role(strings.ToUpper(*role)), *name, *expires)
		}
	case "list":
		if err := parseAll(apikeyFlags("apikey list", stderr), rest); err != nil {
			return nil, err
		}
		do = func(ctx context.Context, client *ent.Client) error { return listKeys(ctx, client, stdout) }
	case "revoke":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, apikeyUsage)
			return nil, errors.New("apikey revoke: want one key ID")
		}
		id, err := strconv.Atoi(rest[0])
		if err != nil {
			return nil, fmt.Errorf("apikey revoke: %q is not a key ID", rest[0])
		}
		do = func(ctx context.Context, client *ent.Client) error {
			if err := auth.Revoke(ctx, client, id); err != nil {
				return fmt.Errorf("apikey revoke: %w", err)
			}
			fmt.Fprintf(stdout, "API key %d revoked\n", id)
			return nil
		}
	default:
		fmt.Fprintln(stderr, apikeyUsage)
		return nil, fmt.Errorf("apikey: unknown subcommand %q", sub)
	}
	return do, nil
}

// createKey creates a key and prints it last, alone on its line.
func createKey(ctx context.Context, client *ent.Client, stdout io.Writer, role auth.Role, name string, expiresIn time.Duration) error {
	key, k, err := auth.Create(ctx, client, role, name, expiresIn)
	if err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	fmt.Fprintf(stdout, "API key %d %q (%s) created, prefix %s, expires %s.\n", k.ID, k.Name, k.Role, k.Prefix, timeOrDash(k.ExpiresAt, "never"))
	fmt.Fprintln(stdout, "It is shown only now; store it safely:")
	fmt.Fprintln(stdout, key)
	return nil
}

// listKeys prints one line per key; no secret is stored, so none can be shown.
func listKeys(ctx context.Context, client *ent.Client, stdout io.Writer) error {
	keys, err := auth.List(ctx, client)
	if err != nil {
		return fmt.Errorf("apikey list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, printable(k.Name), k.Role, k.Prefix,
			k.CreatedAt.UTC().Format(time.RFC3339), timeOrDash(k.ExpiresAt, "-"),
			timeOrDash(k.RevokedAt, "-"), timeOrDash(k.LastUsedAt, "-"))
	}
	return tw.Flush()
}

// apikeyFlags returns a flag set that reports errors to stderr rather than exiting.
func apikeyFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseAll parses args and refuses any left-over argument.
func parseAll(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func timeOrDash(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// printable keeps a name on one table cell.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
