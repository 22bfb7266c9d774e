// Package authz decides what each viewer may read and change. It holds the ent privacy
// rules the schemas compose into their policies (ent/schema/<entity>.go) and the
// visibility predicates, which the GraphQL layer also adds to `where` filters that cross
// an edge (a filter's subquery is plain SQL that privacy rules never see).
//
// A context without a viewer is trusted internal code (command line, seed, services,
// tests) and may do everything; the HTTP middleware always sets a viewer.
package authz

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"launchgraph/ent"
	"launchgraph/ent/predicate"
	"launchgraph/ent/registrant"
	"launchgraph/internal/auth"
	"launchgraph/internal/authz/kinds"
)

// SeesDrafts reports whether ctx may see DRAFT launches and all that hangs off them:
// trusted code, partners and admins.
func SeesDrafts(ctx context.Context) bool {
	v, ok := auth.ViewerFrom(ctx)
	return !ok || v.SeesDrafts()
}

// SeesAllRegistrants reports whether ctx may read every registrant: trusted code and admins.
func SeesAllRegistrants(ctx context.Context) bool {
	v, ok := auth.ViewerFrom(ctx)
	return !ok || v.IsAdmin()
}

// VisibleLaunch matches the launches a public viewer sees (kinds.VisibleLaunch).
func VisibleLaunch() predicate.Launch { return kinds.VisibleLaunch() }

// SeesLaunch is the launch policy for a launch already in memory (what a change left, kept
// for live subscribers): ctx sees l when it sees drafts or l is visible (kinds.LaunchVisible).
func SeesLaunch(ctx context.Context, l *ent.Launch) bool {
	return SeesDrafts(ctx) || kinds.LaunchVisible(l)
}

// VisibleSession matches the sessions of visible launches (kinds.VisibleSession).
func VisibleSession() predicate.Session { return kinds.VisibleSession() }

// VisibleSpeaker matches speakers with a visible session (kinds.VisibleSpeaker).
func VisibleSpeaker() predicate.Speaker { return kinds.VisibleSpeaker() }

// VisibleObjective matches the series-wide objectives and those of a visible launch
// (kinds.VisibleObjective).
func VisibleObjective() predicate.Objective { return kinds.VisibleObjective() }

// VisibleRegistrant matches the registrants ctx's viewer may read when it may not read
// them all: only the one whose manage token it holds, if any.
func VisibleRegistrant(ctx context.Context) predicate.Registrant {
	if id := auth.FromContext(ctx).RegistrantID; id != 0 {
		return registrant.ID(id)
	}
	return none
}

// none matches no row.
func none(s *sql.Selector) { s.Where(sql.False()) }
