package graph

import (
	"entgo.io/contrib/entgql"

	"launchgraph/ent"
)

// The order of a root connection asked for `updatedAfter` without an orderBy: updatedAt
// ascending (pagination then orders by id), so that a partner pages through changes
// without missing or repeating a node (internal/changes).
var (
	auditEntriesByUpdate  = &ent.AuditEntryOrder{Direction: entgql.OrderDirectionAsc, Field: ent.AuditEntryOrderFieldUpdatedAt}
	formatsByUpdate       = &ent.FormatOrder{Direction: entgql.OrderDirectionAsc, Field: ent.FormatOrderFieldUpdatedAt}
	guidelineSetsByUpdate = &ent.GuidelineSetOrder{Direction: entgql.OrderDirectionAsc, Field: ent.GuidelineSetOrderFieldUpdatedAt}
	launchesByUpdate      = &ent.LaunchOrder{Direction: entgql.OrderDirectionAsc, Field: ent.LaunchOrderFieldUpdatedAt}
	notificationsByUpdate = &ent.NotificationOrder{Direction: entgql.OrderDirectionAsc, Field: ent.NotificationOrderFieldUpdatedAt}
	objectivesByUpdate    = &ent.ObjectiveOrder{Direction: entgql.OrderDirectionAsc, Field: ent.ObjectiveOrderFieldUpdatedAt}
	regionsByUpdate       = &ent.RegionOrder{Direction: entgql.OrderDirectionAsc, Field: ent.RegionOrderFieldUpdatedAt}
	registrantsByUpdate   = &ent.RegistrantOrder{Direction: entgql.OrderDirectionAsc, Field: ent.RegistrantOrderFieldUpdatedAt}
	sessionsByUpdate      = &ent.SessionOrder{Direction: entgql.OrderDirectionAsc, Field: ent.SessionOrderFieldUpdatedAt}
	speakersByUpdate      = &ent.SpeakerOrder{Direction: entgql.OrderDirectionAsc, Field: ent.SpeakerOrderFieldUpdatedAt}
)
