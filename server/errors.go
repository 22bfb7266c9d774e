package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"launchgraph/internal/apperr"
	"launchgraph/internal/requestid"
	"launchgraph/internal/store"
)

// httpStatus is the one table from error code to HTTP status. It answers every refusal
// outside GraphQL execution (authentication, rate limits, bodies, feeds, exports); GraphQL
// responses use it only for the codes that concern the transport (transportStatus).
var httpStatus = map[apperr.Code]int{
	apperr.BadUserInput:            http.StatusBadRequest,
	apperr.NotFound:                http.StatusNotFound,
	apperr.Conflict:                http.StatusConflict,
	apperr.Unauthenticated:         http.StatusUnauthorized,
	apperr.Forbidden:               http.StatusForbidden,
	apperr.RegistrationClosed:      http.StatusConflict,
	apperr.LaunchFull:              http.StatusConflict,
	apperr.AlreadyRegistered:       http.StatusConflict,
	apperr.ConsentRequired:         http.StatusBadRequest,
	apperr.IdempotencyKeyReused:    http.StatusUnprocessableEntity,
	apperr.RateLimited:             http.StatusTooManyRequests,
	apperr.ComplexityLimitExceeded: http.StatusBadRequest,
	apperr.DepthLimitExceeded:      http.StatusBadRequest,
	apperr.AliasLimitExceeded:      http.StatusBadRequest,
	apperr.Unavailable:             http.StatusServiceUnavailable,
	apperr.Internal:                http.StatusInternalServerError,
	apperr.OperationNotSupported:   http.StatusBadRequest,
	apperr.ParseFailed:             http.StatusBadRequest,
	apperr.ValidationFailed:        http.StatusBadRequest,
}

// statusFor returns the status of code (400 for a code the table does not know).
func statusFor(code apperr.Code) int {
	if s, ok := httpStatus[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

// transportStatus reports the status a GraphQL response must have whatever its media type,
// because the code concerns the transport: 429 and 503, which clients and proxies retry.
func transportStatus(code apperr.Code) (int, bool) {
	switch code {
	case apperr.RateLimited, apperr.Unavailable:
		return httpStatus[code], true
	}
	return 0, false
}

// defaultRetryAfter is what Retry-After says for UNAVAILABLE without a time of its own.
const defaultRetryAfter = 5 * time.Second

// setRetryAfter sets Retry-After for a 429 or 503 answer.
func setRetryAfter(h http.Header, status int, after time.Duration) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return
	}
	if after <= 0 {
		after = defaultRetryAfter
	}
	h.Set("Retry-After", strconv.Itoa(int(max(after.Round(time.Second), time.Second)/time.Second)))
}

// writeError answers err as a GraphQL-shaped JSON body with the status of its code. An
// error without a code is INTERNAL (its cause is the caller's to log): the client sees the
// request id, never the cause.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.Errorf(apperr.Internal, "internal error")
	}
	writeErrorStatus(w, r, statusFor(e.Code), e)
}

// writeErrorStatus is writeError with a status of its own, for the refusals whose status
// says more than their code (413 and 415 are BAD_USER_INPUT).
func writeErrorStatus(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	ext := map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if e.Code == apperr.Internal || e.Code == apperr.Unavailable {
		ext["requestId"] = requestid.From(r.Context())
	}
	if e.RetryAfter > 0 {
		ext["retryAfter"] = int(max(e.RetryAfter.Round(time.Second), time.Second) / time.Second)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	setRetryAfter(h, status, e.RetryAfter)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": e.Error(), "extensions": ext}},
	})
}

// failed answers err of a request that could not be served: its own code when it has one,
// UNAVAILABLE (503, Retry-After) when the database cannot serve now or the request's time
// ran out, else INTERNAL with the cause logged under what.
func failed(w http.ResponseWriter, r *http.Request, logger *slog.Logger, what string, err error) {
	ctx := r.Context()
	switch e, coded := apperr.As(err); {
	case coded:
		writeError(w, r, e)
	case store.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded):
		logger.WarnContext(ctx, what+": the database cannot serve now", "request_id", requestid.From(ctx), "err", err)
		writeError(w, r, apperr.Errorf(apperr.Unavailable, "the database is unavailable, try again later"))
	default:
		logger.ErrorContext(ctx, what, "request_id", requestid.From(ctx), "path", r.URL.Path, "err", err)
		writeError(w, r, err)
	}
}
