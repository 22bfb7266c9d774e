package events

import (
	"context"
	"time"

	"launchgraph/ent"
)

// Event types of the reference rows, which every replica caches (internal/refcache).
const (
	TypeRegion = "Region"
	TypeFormat = "Format"
)

// RefHook publishes one event of the mutation's type (TypeRegion or TypeFormat) after any
// change to regions or formats commits, whichever path made it, so that every replica
// drops its cached copy of that table. It calls local with the type first, in the
// committing goroutine, so that this process stops serving the old rows before the change
// returns (the event reaches it a moment later). Register it on the client (store.Open).
func RefHook(pub Publisher, local func(typ string), onError func(error)) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			typ := m.Type()
			if typ != TypeRegion && typ != TypeFormat {
				return next.Mutate(ctx, m)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			publish := func() {
				if local != nil {
					local(typ)
				}
				ev := Event{Type: typ, Change: Updated, At: time.Now().UTC()}
				if err := pub.Publish(context.WithoutCancel(ctx), ev); err != nil && onError != nil {
					onError(err)
				}
			}
			var tx *ent.Tx
			if tm, ok := m.(interface{ Tx() (*ent.Tx, error) }); ok {
				tx, _ = tm.Tx()
			}
			afterCommit(tx, publish)
			return v, nil
		})
	}
}

// afterCommit runs fn once tx commits (never when it rolls back), or at once when tx is nil
// (the mutation ran outside a transaction).
func afterCommit(tx *ent.Tx, fn func()) {
	if tx == nil {
		fn()
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			fn()
			return nil
		})
	})
}
