// Package apperr defines launchgraph's coded errors. Domain packages return them; one
// presenter (graph.ErrorPresenter) maps them to GraphQL `extensions.code`.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for clients; the values are the GraphQL `extensions.code` strings.
type Code string

// The error codes of the API (see shared/design.md).
const (
	BadUserInput            Code = "BAD_USER_INPUT"
	NotFound                Code = "NOT_FOUND"
	Conflict                Code = "CONFLICT"
	Unauthenticated         Code = "UNAUTHENTICATED"
	Forbidden               Code = "FORBIDDEN"
	RegistrationClosed      Code = "REGISTRATION_CLOSED"
	LaunchFull              Code = "LAUNCH_FULL"
	AlreadyRegistered       Code = "ALREADY_REGISTERED"
	ConsentRequired         Code = "CONSENT_REQUIRED"
	IdempotencyKeyReused    Code = "IDEMPOTENCY_KEY_REUSED"
	RateLimited             Code = "RATE_LIMITED"
	ComplexityLimitExceeded Code = "COMPLEXITY_LIMIT_EXCEEDED"
	DepthLimitExceeded      Code = "DEPTH_LIMIT_EXCEEDED"
	AliasLimitExceeded      Code = "ALIAS_LIMIT_EXCEEDED"
	Unavailable             Code = "UNAVAILABLE"
	// OperationNotSupported: the transport cannot run the operation (a subscription
	// sent as a plain POST or GET).
	OperationNotSupported Code = "OPERATION_NOT_SUPPORTED"
	Internal              Code = "INTERNAL"
)

// The codes gqlgen gives a document that does not parse or validate.
const (
	ParseFailed      Code = "GRAPHQL_PARSE_FAILED"
	ValidationFailed Code = "GRAPHQL_VALIDATION_FAILED"
)

// Codes lists every code a client may see.
func Codes() []Code {
	return []Code{
		BadUserInput, NotFound, Conflict, Unauthenticated, Forbidden, RegistrationClosed, LaunchFull,
		AlreadyRegistered, ConsentRequired, IdempotencyKeyReused, RateLimited, ComplexityLimitExceeded,
		DepthLimitExceeded, AliasLimitExceeded, Unavailable, Internal, OperationNotSupported,
		ParseFailed, ValidationFailed,
	}
}

// Error is an error a client may see: a code, a message safe to show, and for
// BAD_USER_INPUT the input field at fault.
type Error struct {
	Code    Code
	Message string
	Field   string
	// RetryAfter, when set (RATE_LIMITED, UNAVAILABLE), is how long the client should wait
	// before retrying: extensions.retryAfter in seconds, and Retry-After on HTTP.
	RetryAfter time.Duration
}

// Error returns the message.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a BAD_USER_INPUT error naming the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// As returns the coded error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the code of err: its coded error's code, or INTERNAL for anything else.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}
