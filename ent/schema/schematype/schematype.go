// Package schematype holds Go types stored in JSON columns of the ent schema.
package schematype

// FieldChange is one changed field of an audited mutation. Personal data is redacted
// before it is recorded; Before is nil on create and After is nil on delete.
type FieldChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
}
