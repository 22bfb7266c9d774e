package schema

import (
	"context"

	"entgo.io/ent"

	gen "launchgraph/ent"
	"launchgraph/ent/hook"
)

// revisioned is what launch and session mutations share for change counting.
type revisioned interface {
	Fields() []string
	ClearedFields() []string
	AddedEdges() []string
	RemovedEdges() []string
	AddRevision(int)
}

// bumpRevision counts a real update, so calendar apps see a higher SEQUENCE.
func bumpRevision(m revisioned) {
	for _, f := range append(m.Fields(), m.ClearedFields()...) {
		if f != "updated_at" && f != "revision" {
			m.AddRevision(1)
			return
		}
	}
	if len(m.AddedEdges())+len(m.RemovedEdges()) > 0 {
		m.AddRevision(1)
	}
}

// launchRevisionHook bumps a launch's revision on update.
func launchRevisionHook(next ent.Mutator) ent.Mutator {
	return hook.LaunchFunc(func(ctx context.Context, m *gen.LaunchMutation) (ent.Value, error) {
		bumpRevision(m)
		return next.Mutate(ctx, m)
	})
}

// sessionRevisionHook bumps a session's revision on update.
func sessionRevisionHook(next ent.Mutator) ent.Mutator {
	return hook.SessionFunc(func(ctx context.Context, m *gen.SessionMutation) (ent.Value, error) {
		bumpRevision(m)
		return next.Mutate(ctx, m)
	})
}
