// Package schedule holds the catalog's rules on times — a start before its end, a
// registration window that opens before it closes — with nothing else, so that the
// schema's hooks (ent/schema/schedule.go) apply them on every write path.
package schedule

import (
	"time"

	"launchgraph/internal/apperr"
)

// Check returns BAD_USER_INPUT on endsAt when it is before startsAt.
func Check(startsAt, endsAt time.Time) error {
	if endsAt.Before(startsAt) {
		return apperr.Invalid("endsAt", "must not be before startsAt")
	}
	return nil
}

// CheckRegistrationWindow returns BAD_USER_INPUT when registration closes before it opens.
func CheckRegistrationWindow(opensAt, closesAt *time.Time) error {
	if opensAt != nil && closesAt != nil && closesAt.Before(*opensAt) {
		return apperr.Invalid("registrationClosesAt", "must not be before registrationOpensAt")
	}
	return nil
}
