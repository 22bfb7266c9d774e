// Package opt reads the optional (nillable) fields of ent entities, which are pointers
// that are nil when the column is NULL.
package opt

// Val returns *p, or the zero value when p is nil.
func Val[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// Ptr returns a pointer to v, or nil when v is the zero value: an empty optional text is
// stored as NULL.
func Ptr[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
