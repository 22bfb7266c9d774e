// Package schematype holds Go types stored in JSON columns of the ent schema.
package schematype

// FieldChange is one changed field of an audited mutation. Personal data is redacted
// before it is recorded; Before is nil on create and After is nil on delete.
type FieldChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
}

// Translation holds one language's versions of an entity's texts; a nil field falls back
// to the default (English) text.
type Translation struct {
	Name        *string `json:"name,omitempty"`
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	Summary     *string `json:"summary,omitempty"`
	Text        *string `json:"text,omitempty"`
}
