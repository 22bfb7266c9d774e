package graph

// neverWaitingFields are the resolver fields whose value is a function of their object's
// row and arguments alone: no statement, no loader, nothing to wait for. gqlgen runs every
// resolver concurrently (a goroutine per field when an object has more than one, and per
// element of a list holding such an object, each goroutine's stack then growing); these
// are resolved in place instead, as struct fields are (graph/fastexec.go, resolveNow).
// internal/execpatch reads this list from this file's source when it patches
// graph/generated.go, and fails if a name has no concurrent field to match; the entgql
// edge methods (ent/gql_edge.go) are added to it by execpatch itself.
//
// Only add a field whose resolver never loads through a dataloader: a loader batches the
// loads that wait together, and a field resolved in place does not wait with its siblings.
var neverWaitingFields = []string{
	// graph/i18n.resolvers.go: texts in the asked or negotiated language, from the row's
	// translations.
	"Format.name", "Format.nameLang", "Format.description", "Format.descriptionLang",
	"GuidelineSet.title", "GuidelineSet.titleLang", "GuidelineSet.summary", "GuidelineSet.summaryLang",
	"Launch.title", "Launch.titleLang", "Launch.description", "Launch.descriptionLang",
	"Launch.translationCoverage",
	"Objective.text", "Objective.textLang",
	"Region.name", "Region.nameLang",
	"Session.title", "Session.titleLang", "Session.description", "Session.descriptionLang",
	// graph/slugs.resolvers.go: a launch's local dates, from its own times and zone.
	"Launch.startsOn", "Launch.endsOn",
}
