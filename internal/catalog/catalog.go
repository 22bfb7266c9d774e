// Package catalog owns the admin writes of the programme data (Service): references
// between entities, what may be deleted, the capacity workflow, and (package schedule,
// applied by the schema's hooks) launch and session schedules.
package catalog

import (
	"context"
	"fmt"
	"reflect"

	"launchgraph/ent"
	"launchgraph/ent/launch"
	"launchgraph/ent/registrant"
	"launchgraph/ent/session"
	"launchgraph/internal/apperr"
)

// Ref names ids given in an input field that must be nodes of one type.
type Ref struct {
	Field string // GraphQL input field, e.g. "regionID"
	Type  string // ent type, e.g. "Region"
	IDs   []int
}

// RequireRefs returns BAD_USER_INPUT naming the first field whose id is not a node of the
// expected type, so a bad id never surfaces as a foreign-key CONFLICT.
func RequireRefs(ctx context.Context, client *ent.Client, refs ...Ref) error {
	for _, r := range refs {
		for _, id := range r.IDs {
			n, err := client.Noder(ctx, id)
			if ent.IsNotFound(err) || (err == nil && typeName(n) != r.Type) {
				return apperr.Invalid(r.Field, "%d is not the id of a %s", id, r.Type)
			}
			if err != nil {
				return fmt.Errorf("catalog: resolve %s %d: %w", r.Field, id, err)
			}
		}
	}
	return nil
}

func typeName(n ent.Noder) string {
	t := reflect.TypeOf(n)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// DeleteLaunch deletes a launch and its sessions. A launch anyone registered for is kept:
// CONFLICT, cancel it instead. Unknown ids are NOT_FOUND.
func DeleteLaunch(ctx context.Context, client *ent.Client, id int) error {
	if _, err := client.Launch.Get(ctx, id); err != nil {
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.NotFound, "launch %d not found", id)
		}
		return fmt.Errorf("catalog: load launch %d: %w", id, err)
	}
	n, err := client.Registrant.Query().Where(registrant.LaunchID(id)).Count(ctx)
	if err != nil {
		return fmt.Errorf("catalog: count registrants of launch %d: %w", id, err)
	}
	if n > 0 {
		return apperr.Errorf(apperr.Conflict, "launch %d has %d registrants: set its status to CANCELLED instead of deleting it", id, n)
	}
	if _, err := client.Session.Delete().Where(session.LaunchID(id)).Exec(ctx); err != nil {
		return fmt.Errorf("catalog: delete sessions of launch %d: %w", id, err)
	}
	if err := client.Launch.DeleteOneID(id).Where(launch.ID(id)).Exec(ctx); err != nil {
		return fmt.Errorf("catalog: delete launch %d: %w", id, err)
	}
	return nil
}

// Deleter is a generated delete-one builder.
type Deleter interface {
	Exec(ctx context.Context) error
}

// Delete runs a delete-one of the node typ id, reporting NOT_FOUND for an unknown id.
func Delete(ctx context.Context, typ string, id int, d Deleter) error {
	if err := d.Exec(ctx); err != nil {
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.NotFound, "%s %d not found", typ, id)
		}
		return fmt.Errorf("catalog: delete %s %d: %w", typ, id, err)
	}
	return nil
}
