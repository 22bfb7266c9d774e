// Package export streams a launch's registrants as CSV for admins.
//
// The file is UTF-8 with a byte-order mark (so that spreadsheet apps detect the encoding),
// one header row, and cells that a spreadsheet would run as a formula (starting with =, +,
// -, @, a tab or a line break) prefixed with an apostrophe. Rows are read in keyset pages
// by id and flushed page by page: memory stays constant whatever the number of
// registrants.
package export

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/predicate"
	"launchgraph/ent/registrant"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz"
	"launchgraph/internal/opt"
)

// PageSize is the number of registrants read and flushed at a time.
const PageSize = 500

// bom is the UTF-8 byte-order mark.
const bom = "\uFEFF"

// Header is the CSV header row.
var Header = []string{
	"id", "name", "email", "organisation", "job_title", "country", "stakeholder", "attendance",
	"status", "waitlist_position", "language", "registered_at", "consent_at", "checked_in_at",
	"rejection_reason",
}

// Registrants serves GET /exports/launches/{slug}/registrants.csv: 401 without an API key
// (the auth middleware already refuses a bad one), 403 for a partner key, 404 for an
// unknown launch, else the CSV.
func Registrants(client *ent.Client, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		w.Header().Set("Cache-Control", "no-store")
		v := auth.FromContext(ctx)
		switch {
		case v.Role == auth.Public:
			w.Header().Set("WWW-Authenticate", `Bearer realm="launchgraph"`)
			http.Error(w, "an ADMIN API key is required", http.StatusUnauthorized)
			return
		case authz.RequireAdmin(ctx) != nil:
			http.Error(w, "an ADMIN API key is required", http.StatusForbidden)
			return
		}
		slug := r.PathValue("slug")
		l, err := client.Launch.Query().Where(launch.Slug(slug)).Only(ctx)
		if ent.IsNotFound(err) {
			http.Error(w, fmt.Sprintf("no launch %q", slug), http.StatusNotFound)
			return
		}
		if err != nil {
			logger.ErrorContext(ctx, "export: load launch", "slug", slug, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-registrants.csv"`, l.Slug))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		flush := func() error { return http.NewResponseController(w).Flush() }
		if err := Write(ctx, client, l.ID, w, flush); err != nil {
			// The status is sent: all that is left is to stop. The client sees a truncated file.
			logger.ErrorContext(ctx, "export: streaming registrants", "slug", slug, "err", err)
		}
	})
}

// Write writes the CSV of launch launchID's registrants to w, reading PageSize rows at a
// time in id order (keyset pages) and calling flush after each page.
func Write(ctx context.Context, client *ent.Client, launchID int, w io.Writer, flush func() error) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	row := make([]string, len(Header))
	after := 0
	for {
		page, err := client.Registrant.Query().
			Where(ofLaunch(launchID), registrant.IDGT(after)).
			Order(registrant.ByID()).
			Limit(PageSize).
			All(ctx)
		if err != nil {
			return fmt.Errorf("export: read registrants after %d: %w", after, err)
		}
		for _, p := range page {
			fill(row, p)
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("export: write: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("export: write: %w", err)
		}
		if flush != nil {
			if err := flush(); err != nil {
				return fmt.Errorf("export: flush: %w", err)
			}
		}
		if len(page) < PageSize {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// ofLaunch matches the registrants of launch id so that a page is read along the primary
// key, in id order, stopping after PageSize rows. PostgreSQL chooses that plan from its
// statistics. SQLite keeps none unless ANALYZE ran, and would pick the (launch_id, status,
// created_at) index and sort every registrant of the launch for every page (quadratic in
// the launch's size): there the launch is compared as `+launch_id`, the documented way to
// keep a term from choosing an index.
func ofLaunch(id int) predicate.Registrant {
	return func(s *sql.Selector) {
		if s.Dialect() != dialect.SQLite {
			s.Where(sql.EQ(s.C(registrant.FieldLaunchID), id))
			return
		}
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("+").Ident(s.C(registrant.FieldLaunchID)).WriteOp(sql.OpEQ).Arg(id)
		}))
	}
}

// fill writes p's cells into row, in Header's order.
func fill(row []string, p *ent.Registrant) {
	row[0] = strconv.Itoa(p.ID)
	row[1] = Cell(p.Name)
	row[2] = Cell(p.Email)
	row[3] = Cell(opt.Val(p.Organisation))
	row[4] = Cell(opt.Val(p.JobTitle))
	row[5] = Cell(opt.Val(p.Country))
	row[6] = p.Stakeholder.String()
	row[7] = p.Attendance.String()
	row[8] = p.Status.String()
	row[9] = ""
	if p.WaitlistPosition != nil {
		row[9] = strconv.Itoa(*p.WaitlistPosition)
	}
	row[10] = Cell(opt.Val(p.Language))
	row[11] = stamp(&p.CreatedAt)
	row[12] = stamp(&p.ConsentAt)
	row[13] = stamp(p.CheckedInAt)
	row[14] = Cell(opt.Val(p.RejectionReason))
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Cell neutralises a text a spreadsheet would read as a formula (or a DDE payload): one
// starting with =, +, -, @, a tab, a carriage return or a line feed gets a leading
// apostrophe, which spreadsheets show as text and do not run (OWASP, "CSV Injection").
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}
