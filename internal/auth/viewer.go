// Package auth knows who is asking: the viewer in the context (public, partner, admin, or
// a registrant holding their manage token) and the API keys that authenticate them.
package auth

import (
	"context"
	"time"
)

// Role is what a viewer may see and do.
type Role string

// Roles, from least to most privileged.
const (
	// Public callers read published, completed and cancelled launches and their programme.
	Public Role = "PUBLIC"
	// Partner keys also read drafts and registration aggregates, never personal data.
	Partner Role = "PARTNER"
	// Admin keys read everything and run every mutation.
	Admin Role = "ADMIN"
)

// Viewer is the caller of the current request.
type Viewer struct {
	Role Role
	// KeyID and KeyName identify the API key of a partner or admin.
	KeyID   int
	KeyName string
	// KeyExpires is when the key expires; zero for a key without expiry.
	KeyExpires time.Time
	// RegistrantID is set when the caller proved they hold that registrant's manage token;
	// it opens that one registrant's personal fields, nothing else.
	RegistrantID int
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx and whether there is one. A context without a
// viewer is trusted internal code (command line, seed, services, tests): the data-layer
// policies allow it everything. The HTTP middleware always sets a viewer.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	if ok && v.Role == "" {
		v.Role = Public
	}
	return v, ok
}

// FromContext returns the viewer in ctx; a context without one is public.
func FromContext(ctx context.Context) Viewer {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	if !ok || v.Role == "" {
		v.Role = Public
	}
	return v
}

// IsAdmin reports whether v may read personal data and run admin mutations.
func (v Viewer) IsAdmin() bool { return v.Role == Admin }

// SeesDrafts reports whether v may read DRAFT launches and registration aggregates.
func (v Viewer) SeesDrafts() bool { return v.Role == Admin || v.Role == Partner }

// WithRegistrant returns a context whose viewer also holds registrant id's manage token.
func WithRegistrant(ctx context.Context, id int) context.Context {
	v := FromContext(ctx)
	v.RegistrantID = id
	return WithViewer(ctx, v)
}
