// Package requestid carries the id of the current request through a context, so that an
// INTERNAL error shown to a client can be matched with the log line holding its cause.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
)

type key struct{}

// With returns a context carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the request id in ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// New returns a fresh random id of 16 hex digits.
func New() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var safe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Valid reports whether a client-supplied X-Request-Id may be echoed and logged as is.
func Valid(id string) bool { return safe.MatchString(id) }
