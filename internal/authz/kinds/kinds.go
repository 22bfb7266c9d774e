// Package kinds is the one table of programme kinds — a launch and what hangs off it —
// with what every package asks of them: the launches a node belongs to (events) and which
// nodes the public sees (changes; authz's policies use the same predicates). It imports
// nothing of the viewer, so that every layer may use it.
package kinds

import (
	"context"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/objective"
	"launchgraph/ent/predicate"
	"launchgraph/ent/session"
	"launchgraph/ent/speaker"
)

// Kind is one type of the programme with the two questions every package asks of it.
type Kind struct {
	// Launches returns, for each of ids, the launches it belongs to, as (id, launch id)
	// pairs: a launch is its own, a session has one, speakers and objectives any number.
	Launches func(ctx context.Context, c *ent.Client, ids []int) ([]Owned, error)
	// PublicIDs returns which of ids the public sees (the Visible* predicate of the type).
	PublicIDs func(ctx context.Context, c *ent.Client, ids []int) ([]int, error)
}

// Owned is a programme node and one launch it belongs to.
type Owned struct{ ID, LaunchID int }

// Of returns the Kind of the ent type named typ: Launch, Session, Speaker or Objective;
// false for any other type.
func Of(typ string) (Kind, bool) {
	k, ok := programme[typ]
	return k, ok
}

// programme is the table behind Of.
var programme = map[string]Kind{
	ent.TypeLaunch: {
		Launches: func(_ context.Context, _ *ent.Client, ids []int) ([]Owned, error) {
			out := make([]Owned, len(ids))
			for i, id := range ids {
				out[i] = Owned{ID: id, LaunchID: id}
			}
			return out, nil
		},
		PublicIDs: func(ctx context.Context, c *ent.Client, ids []int) ([]int, error) {
			return c.Launch.Query().Where(launch.IDIn(ids...), VisibleLaunch()).IDs(ctx)
		},
	},
	ent.TypeSession: {
		Launches: func(ctx context.Context, c *ent.Client, ids []int) ([]Owned, error) {
			var rows []struct {
				ID       int `json:"id"`
				LaunchID int `json:"launch_id"`
			}
			err := c.Session.Query().Where(session.IDIn(ids...)).
				Select(session.FieldID, session.FieldLaunchID).Scan(ctx, &rows)
			out := make([]Owned, len(rows))
			for i, r := range rows {
				out[i] = Owned{ID: r.ID, LaunchID: r.LaunchID}
			}
			return out, err
		},
		PublicIDs: func(ctx context.Context, c *ent.Client, ids []int) ([]int, error) {
			return c.Session.Query().Where(session.IDIn(ids...), VisibleSession()).IDs(ctx)
		},
	},
	ent.TypeSpeaker: {
		Launches: func(ctx context.Context, c *ent.Client, ids []int) ([]Owned, error) {
			var out []Owned
			for _, id := range ids {
				launches, err := c.Session.Query().Where(session.HasSpeakersWith(speaker.ID(id))).
					Unique(true).Select(session.FieldLaunchID).Ints(ctx)
				if err != nil {
					return nil, err
				}
				for _, l := range launches {
					out = append(out, Owned{ID: id, LaunchID: l})
				}
			}
			return out, nil
		},
		PublicIDs: func(ctx context.Context, c *ent.Client, ids []int) ([]int, error) {
			return c.Speaker.Query().Where(speaker.IDIn(ids...), VisibleSpeaker()).IDs(ctx)
		},
	},
	ent.TypeObjective: {
		Launches: func(ctx context.Context, c *ent.Client, ids []int) ([]Owned, error) {
			var out []Owned
			for _, id := range ids {
				launches, err := c.Launch.Query().Where(launch.HasObjectivesWith(objective.ID(id))).IDs(ctx)
				if err != nil {
					return nil, err
				}
				for _, l := range launches {
					out = append(out, Owned{ID: id, LaunchID: l})
				}
			}
			return out, nil
		},
		PublicIDs: func(ctx context.Context, c *ent.Client, ids []int) ([]int, error) {
			return c.Objective.Query().Where(objective.IDIn(ids...), VisibleObjective()).IDs(ctx)
		},
	},
}

// VisibleLaunch matches the launches a public viewer sees: any status but DRAFT.
func VisibleLaunch() predicate.Launch {
	return launch.StatusNEQ(launch.StatusDRAFT)
}

// LaunchVisible is VisibleLaunch for a launch in memory.
func LaunchVisible(l *ent.Launch) bool { return l.Status != launch.StatusDRAFT }

// VisibleSession matches the sessions of visible launches.
func VisibleSession() predicate.Session {
	return session.HasLaunchWith(VisibleLaunch())
}

// VisibleSpeaker matches speakers with at least one visible session. A speaker in no
// session is hidden too: it is usually one being prepared for a programme not yet
// published, and an orphan left by a deleted session has nothing public to show.
func VisibleSpeaker() predicate.Speaker {
	return speaker.HasSessionsWith(VisibleSession())
}

// VisibleObjective matches the series-wide objectives and those of a visible launch.
func VisibleObjective() predicate.Objective {
	return objective.Or(objective.SeriesWide(true), objective.HasLaunchesWith(VisibleLaunch()))
}
