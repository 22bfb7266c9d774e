package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"launchgraph/ent/schema/schematype"
)

// TranslatableMixin stores translations of an entity's texts beside the default (English)
// ones, keyed by ISO 639-1 code (ar, zh, fr, ru, es).
type TranslatableMixin struct {
	mixin.Schema
}

// Fields returns the translations field.
func (TranslatableMixin) Fields() []ent.Field {
	return []ent.Field{
		field.JSON("translations", map[string]schematype.Translation{}).
			Optional().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}
