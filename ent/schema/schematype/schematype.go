// Package schematype holds Go types stored in JSON columns of the ent schema, and its
// annotations.
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

// PersonalData marks a field holding personal data (a name, an address): audit entries
// record that it changed but never its value, and a GraphQL response selecting its type is
// never cached publicly. Fields marked Sensitive() (secrets) are treated alike; the
// generated ent.PrivateFields lists both. Use Personal().
type PersonalData struct {
	// Personal is true (an annotation must not be empty to be seen by the templates).
	Personal bool
}

// Personal returns the PersonalData annotation.
func Personal() PersonalData { return PersonalData{Personal: true} }

// Name implements schema.Annotation.
func (PersonalData) Name() string { return "PersonalData" }
