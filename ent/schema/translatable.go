package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"launchgraph/ent/schema/schematype"
)

// TranslatableMixin stores translations of an entity's texts beside the default (English)
// ones, keyed by ISO 639-1 code (ar, zh, fr, ru, es). The texts themselves are skipped from
// the generated GraphQL types (entgql.SkipType): graph/i18n.graphqls declares them with a
// `lang` argument; their resolvers' columns, translations included, are declared with
// gqlschema.Resolved on each entity.
type TranslatableMixin struct {
	mixin.Schema
}

// Fields returns the translations field.
func (TranslatableMixin) Fields() []ent.Field {
	return []ent.Field{
		field.JSON("translations", map[string]schematype.Translation{}).
			Optional().
			// Read through the lang-aware text fields (graph/i18n.graphqls); written as a list
			// in the create and update inputs, which graph/i18n.go turns into this map.
			Annotations(
				entgql.Type("[TranslationInput!]"),
				entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField),
			),
	}
}
