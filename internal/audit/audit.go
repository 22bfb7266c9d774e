// Package audit records admin mutations. Hook writes one AuditEntry per changed entity in
// the mutation's own transaction, so a rolled-back change leaves no entry; personal data is
// redacted before it is stored.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/auth"
)

// Redacted replaces a personal or secret value in an audit entry.
const Redacted = "[redacted]"

type operationKey struct{}

type beforeKey struct{}

// WithBefore declares, for a bulk update made under ctx, each entity's values before it
// (id → field → value): an update of many rows cannot read them itself the way an
// update-one does, and its caller often knows them (a promotion off the waitlist).
func WithBefore(ctx context.Context, before map[int]map[string]any) context.Context {
	return context.WithValue(ctx, beforeKey{}, before)
}

func beforeFrom(ctx context.Context) map[int]map[string]any {
	b, _ := ctx.Value(beforeKey{}).(map[int]map[string]any)
	return b
}

// WithOperation names the operation (the GraphQL mutation field) recorded for changes made
// under ctx.
func WithOperation(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, operationKey{}, name)
}

func operationFrom(ctx context.Context) string {
	if op, ok := ctx.Value(operationKey{}).(string); ok {
		return op
	}
	return "unknown"
}

// Record writes one audit entry with client (the transaction's client) for the admin viewer
// of ctx. Changes must already be redacted.
func Record(ctx context.Context, client *ent.Client, operation, entityType string, entityID int, changes []schematype.FieldChange) error {
	v := auth.FromContext(ctx)
	create := client.AuditEntry.Create().
		SetActorName(actorName(v)).
		SetOperation(operation).
		SetEntityType(entityType).
		SetChanges(changes)
	if v.KeyID != 0 {
		create.SetActorKeyID(v.KeyID)
	}
	if entityID != 0 {
		create.SetEntityID(entityID)
	}
	if err := create.Exec(ctx); err != nil {
		return fmt.Errorf("audit: record %s on %s %d: %w", operation, entityType, entityID, err)
	}
	return nil
}

func actorName(v auth.Viewer) string {
	if v.KeyName != "" {
		return v.KeyName
	}
	return string(v.Role)
}

// Hook audits every mutation an admin viewer makes (the audit log's own writes and the
// tombstones a delete leaves excluded: the delete itself is the entry; so are the outbox's
// notifications, a record of their own whose tokens must not be copied, and the seat
// counters, which follow the registrants audited themselves).
// Mutations of trusted internal code and of public callers are not audited here.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !auth.FromContext(ctx).IsAdmin() || m.Type() == "AuditEntry" || m.Type() == "Tombstone" ||
				m.Type() == "Notification" || m.Type() == "SeatCount" {
				return next.Mutate(ctx, m)
			}
			idm, ok := m.(interface {
				ID() (int, bool)
				IDs(context.Context) ([]int, error)
				Client() *ent.Client
			})
			if !ok {
				return nil, fmt.Errorf("audit: mutation %s has no ids", m.Type())
			}
			var ids []int
			var before map[string]any
			switch {
			case m.Op().Is(ent.OpUpdateOne):
				before = oldValues(ctx, m)
			case m.Op().Is(ent.OpUpdate) || m.Op().Is(ent.OpDelete):
				var err error
				if ids, err = idm.IDs(ctx); err != nil {
					return nil, fmt.Errorf("audit: ids of %s: %w", m.Type(), err)
				}
			}
			value, err := next.Mutate(ctx, m)
			if err != nil {
				return value, err
			}
			if id, ok := idm.ID(); ok {
				ids = []int{id}
			}
			declared := beforeFrom(ctx)
			for _, id := range ids {
				b := before
				if d, ok := declared[id]; ok && b == nil {
					b = d
				}
				if err := Record(ctx, idm.Client(), operationFrom(ctx), m.Type(), id, Changes(m, b)); err != nil {
					return nil, err
				}
			}
			return value, nil
		})
	}
}

// oldValues reads the values an update-one mutation is about to change.
func oldValues(ctx context.Context, m ent.Mutation) map[string]any {
	old := map[string]any{}
	for _, f := range append(m.Fields(), m.ClearedFields()...) {
		if v, err := m.OldField(ctx, f); err == nil {
			old[f] = v
		}
	}
	return old
}

// Changes lists the fields m sets or clears, with before values from before (nil on
// create), in field order, redacting sensitive fields.
func Changes(m ent.Mutation, before map[string]any) []schematype.FieldChange {
	var changes []schematype.FieldChange
	fields := append(m.Fields(), m.ClearedFields()...)
	slices.Sort(fields)
	fields = slices.Compact(fields)
	for _, f := range fields {
		if f == "updated_at" || f == "created_at" {
			continue
		}
		c := schematype.FieldChange{Field: f}
		if old, ok := before[f]; ok {
			c.Before = format(old)
		}
		if v, ok := m.Field(f); ok {
			c.After = format(v)
		}
		if c.Before != nil && c.After != nil && *c.Before == *c.After {
			continue
		}
		if slices.Contains(ent.PrivateFields[m.Type()], f) { // declared on the schema
			c.Before, c.After = redact(c.Before), redact(c.After)
		}
		changes = append(changes, c)
	}
	for _, e := range m.AddedEdges() {
		changes = append(changes, schematype.FieldChange{Field: e, After: edgeIDs(m.AddedIDs(e))})
	}
	for _, e := range m.RemovedEdges() {
		changes = append(changes, schematype.FieldChange{Field: e, Before: edgeIDs(m.RemovedIDs(e))})
	}
	return changes
}

// redact hides a recorded value, keeping whether there was one.
func redact(v *string) *string {
	if v == nil {
		return nil
	}
	s := Redacted
	return &s
}

// format renders a field value for the log.
func format(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return nil
		}
		s = x.UTC().Format(time.RFC3339Nano)
	case *int:
		if x == nil {
			return nil
		}
		s = fmt.Sprint(*x)
	case string, fmt.Stringer, int, int64, bool:
		s = fmt.Sprint(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = fmt.Sprint(x)
		} else {
			s = string(b)
		}
	}
	return &s
}

func edgeIDs(ids []ent.Value) *string {
	b, _ := json.Marshal(ids)
	s := string(b)
	return &s
}
