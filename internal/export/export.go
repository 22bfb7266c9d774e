// Package export writes a launch's registrants as CSV for admins (the server streams it:
// server/export.go).
//
// The file is UTF-8 with a byte-order mark (so that spreadsheet apps detect the encoding),
// one header row, and cells that a spreadsheet would run as a formula (starting with =, +,
// -, @, a tab or a line break, also after another separator) neutralised with an apostrophe. Rows are read in keyset pages
// by id and flushed page by page: memory stays constant whatever the number of
// registrants.
package export

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/predicate"
	"launchgraph/ent/registrant"
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
// So does every such character that starts a cell once a spreadsheet splits the text at
// another separator than ours (a comma, semicolon, tab or bar, then spaces): "x;=1+1"
// opened where ";" separates fields would otherwise run =1+1.
func Cell(s string) string {
	if !needsNeutralising(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	if isTrigger(s[0]) {
		b.WriteByte('\'')
	}
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if !isSeparator(s[i]) {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && isTrigger(s[j]) {
			b.WriteString(s[i+1 : j])
			b.WriteByte('\'')
			i = j - 1
		}
	}
	return b.String()
}

// needsNeutralising reports whether Cell changes s.
func needsNeutralising(s string) bool {
	if s == "" {
		return false
	}
	if isTrigger(s[0]) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if !isSeparator(s[i]) {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && isTrigger(s[j]) {
			return true
		}
	}
	return false
}

func isTrigger(c byte) bool   { return strings.IndexByte("=+-@\t\r\n", c) >= 0 }
func isSeparator(c byte) bool { return strings.IndexByte(",;\t|", c) >= 0 }
