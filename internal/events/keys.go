package events

import (
	"context"
	"fmt"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/apikey"
	"launchgraph/ent/privacy"
)

// TypeAPIKey is the event of an API key whose revocation, expiry or role changed: every
// replica forgets what it cached about the key and closes the websockets it opened.
const TypeAPIKey = "APIKey"

// KeyHook publishes a TypeAPIKey event (EntityID: the key's id) after an API key's
// revoked_at, expires_at, role or secret changed or the key was deleted, whichever path
// made the change; recording a key's use (last_used_at) publishes nothing. It calls local
// with the ids first, in the committing goroutine, so that this process stops trusting
// the keys before the change returns (the event reaches it a moment later). Register it
// on the client (store.Open).
func KeyHook(pub Publisher, local func(ids ...int), onError func(error)) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			km, ok := m.(*ent.APIKeyMutation)
			if !ok || m.Op().Is(ent.OpCreate) || !changesAccess(km) {
				return next.Mutate(ctx, m)
			}
			ids, err := km.IDs(privacy.DecisionContext(ctx, privacy.Allow))
			if err != nil {
				return nil, fmt.Errorf("events: ids of API keys: %w", err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || len(ids) == 0 {
				return v, err
			}
			evs := make([]Event, len(ids))
			for i, id := range ids {
				evs[i] = Event{Type: TypeAPIKey, EntityID: id, Change: Updated, At: time.Now().UTC()}
			}
			publish := func() {
				if local != nil {
					local(ids...)
				}
				if err := pub.Publish(context.WithoutCancel(ctx), evs...); err != nil && onError != nil {
					onError(err)
				}
			}
			tx, _ := km.Tx()
			afterCommit(tx, publish)
			return v, nil
		})
	}
}

// changesAccess reports whether m changes what a key may do.
func changesAccess(m *ent.APIKeyMutation) bool {
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return true
	}
	for _, f := range []string{apikey.FieldRevokedAt, apikey.FieldExpiresAt, apikey.FieldRole, apikey.FieldSecretHash} {
		if _, set := m.Field(f); set {
			return true
		}
		if m.FieldCleared(f) {
			return true
		}
	}
	return false
}
