package schema

import (
	"entgo.io/ent"

	"launchgraph/ent/privacy"
	"launchgraph/internal/authz"
)

// The privacy policies of every entity, side by side: the access model on one page. The
// rules live in internal/authz. In every policy a context without a viewer (trusted
// internal code) is allowed first; a context carrying privacy.DecisionContext(ctx,
// privacy.Allow) skips the policy. Hidden rows are filtered, never an error, so that a
// hidden row looks exactly like a missing one.

// writes is the mutation policy of every entity: admins only, FORBIDDEN for the rest.
func writes() privacy.MutationPolicy {
	return privacy.MutationPolicy{authz.AllowTrusted(), authz.AllowAdmin(), authz.DenyWrites()}
}

// openPolicy lets every viewer read and only admins write.
func openPolicy() ent.Policy {
	return privacy.Policy{Mutation: writes()}
}

// adminPolicy lets only admins read and write: the others read no rows.
func adminPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{authz.AllowTrusted(), authz.AllowAdmin(), authz.FilterAll()},
		Mutation: writes(),
	}
}

// draftPolicy lets partners and admins read every row and filters the rest with filter.
func draftPolicy(filter privacy.QueryRule) ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{authz.AllowTrusted(), authz.AllowDraftReaders(), filter},
		Mutation: writes(),
	}
}

// Policy of the Region: public.
func (Region) Policy() ent.Policy { return openPolicy() }

// Policy of the Format: public.
func (Format) Policy() ent.Policy { return openPolicy() }

// Policy of the GuidelineSet: public.
func (GuidelineSet) Policy() ent.Policy { return openPolicy() }

// Policy of the Launch: the public sees every status but DRAFT.
func (Launch) Policy() ent.Policy { return draftPolicy(authz.FilterLaunches()) }

// Policy of the Session: the public sees the sessions of the launches it sees.
func (Session) Policy() ent.Policy { return draftPolicy(authz.FilterSessions()) }

// Policy of the Speaker: the public sees speakers with at least one session it sees.
func (Speaker) Policy() ent.Policy { return draftPolicy(authz.FilterSpeakers()) }

// Policy of the Objective: the public sees series-wide objectives and those of the
// launches it sees.
func (Objective) Policy() ent.Policy { return draftPolicy(authz.FilterObjectives()) }

// Policy of the Registrant: personal data, for admins, and for the holder of that
// registrant's manage token.
func (Registrant) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{authz.AllowTrusted(), authz.AllowAdmin(), authz.FilterRegistrants()},
		Mutation: writes(),
	}
}

// Policy of the APIKey: admins only (authentication reads keys as trusted code).
func (APIKey) Policy() ent.Policy { return adminPolicy() }

// Policy of the IdempotencyKey: admins only (registration reads and writes them as
// trusted code).
func (IdempotencyKey) Policy() ent.Policy { return adminPolicy() }

// Policy of the SeatCount: admins only (registration reads and writes it as trusted code;
// everyone sees seats through Launch.seats).
func (SeatCount) Policy() ent.Policy { return adminPolicy() }

// Policy of the AuditEntry: admins only.
func (AuditEntry) Policy() ent.Policy { return adminPolicy() }

// Policy of the Notification: admins only; the outbox holds recipients' addresses
// (registration writes and sends them as trusted code).
func (Notification) Policy() ent.Policy { return adminPolicy() }

// Policy of the Tombstone: readable by everyone (deletedSince filters what the public
// sees), written only by admins and trusted code.
func (Tombstone) Policy() ent.Policy { return openPolicy() }
