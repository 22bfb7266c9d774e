package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
	"launchgraph/internal/requestid"
	"launchgraph/internal/store"
)

// NewErrorPresenter returns the one place where errors become GraphQL errors. Coded
// errors keep their code; ent errors are translated; anything else becomes INTERNAL with
// the request id, and its cause is logged but never shown.
func NewErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := presentError(ctx, err)
		if gqlErr.Extensions["code"] == string(apperr.Internal) {
			logger.ErrorContext(ctx, "graphql: internal error",
				"request_id", requestid.From(ctx), "path", gqlErr.Path.String(), "err", err)
		}
		return gqlErr
	}
}

// NewRecoverFunc turns a resolver panic into an INTERNAL error and logs its stack.
func NewRecoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "graphql: panic in resolver",
			"request_id", requestid.From(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("panic in resolver")
	}
}

func presentError(ctx context.Context, err error) *gqlerror.Error {
	path := graphql.GetPath(ctx)
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		if len(gqlErr.Path) > 0 {
			path = gqlErr.Path
		}
		if _, ok := gqlErr.Extensions["code"]; ok {
			return gqlErr // gqlgen's and our own coded errors (validation, limits, NOT_FOUND nodes)
		}
		inner := gqlErr.Unwrap()
		arg := argumentOf(ctx, gqlErr)
		if arg != nil && arg.Type.Name() == "Cursor" {
			// A cursor that does not decode: say so, without the decoder's message.
			return coded(path, apperr.Invalid(arg.Name, "invalid cursor"))
		}
		if inner == nil || arg != nil {
			// A document-level error without a code (entgql's pagination checks) or a bad
			// argument value (cursor, id, time, enum): the caller's input, reported as is
			// unless a coded error says more.
			if e, ok := apperr.As(inner); ok {
				return coded(path, e)
			}
			out := *gqlErr
			out.Path = path
			out.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
			return &out
		}
		// A resolver's error, wrapped with its path by gqlgen: classify the cause.
		err = inner
	}
	if e := classify(err); e != nil {
		return coded(path, e)
	}
	return &gqlerror.Error{
		Message: "internal error",
		Path:    path,
		Extensions: map[string]any{
			"code":      string(apperr.Internal),
			"requestId": requestid.From(ctx),
		},
	}
}

// classify returns the coded error err stands for: its own code, or the one of an ent,
// privacy or store error the caller can act on; nil for an internal error.
func classify(err error) *apperr.Error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	switch {
	case errors.Is(err, privacy.Deny):
		// A policy decision without a code of its own (authz rules carry FORBIDDEN already).
		return apperr.Errorf(apperr.Forbidden, "not allowed")
	case ent.IsNotFound(err):
		return apperr.Errorf(apperr.NotFound, "not found")
	case ent.IsValidationError(err):
		var ve *ent.ValidationError
		errors.As(err, &ve)
		return apperr.Invalid(lowerCamel(ve.Name), "%s", validationMessage(ve))
	case ent.IsConstraintError(err):
		return apperr.Errorf(apperr.Conflict, "the change conflicts with existing data (a unique value is taken, or a referenced row is missing)")
	case store.IsInvalidValue(err):
		return apperr.Errorf(apperr.BadUserInput, "a value is not valid (the database refused it)")
	case store.IsUnavailable(err):
		return apperr.Errorf(apperr.Unavailable, "the database is unavailable, try again later")
	case errors.Is(err, context.DeadlineExceeded):
		return apperr.Errorf(apperr.Unavailable, "the operation took too long")
	}
	return nil
}

// argumentOf returns the argument of the current field that gqlgen was reading when it raised
// e: its path then continues past the field with an argument's name ([launches, where,
// startsAtGT]); a resolver's error ends at the field (nil).
func argumentOf(ctx context.Context, e *gqlerror.Error) *ast.ArgumentDefinition {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return nil
	}
	for i := len(e.Path) - 2; i >= 0; i-- {
		if name, ok := e.Path[i].(ast.PathName); ok && string(name) == fc.Field.Alias {
			arg, ok := e.Path[i+1].(ast.PathName)
			if !ok {
				return nil
			}
			return fc.Field.Definition.Arguments.ForName(string(arg))
		}
	}
	return nil
}

func coded(path ast.Path, e *apperr.Error) *gqlerror.Error {
	ext := map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if e.RetryAfter > 0 {
		ext["retryAfter"] = int(max(e.RetryAfter.Round(time.Second), time.Second) / time.Second)
	}
	return &gqlerror.Error{Message: e.Error(), Path: path, Extensions: ext}
}

// validationMessage keeps ent's reason but drops its internal prefix ("ent: validator failed for field ...").
func validationMessage(ve *ent.ValidationError) string {
	if inner := ve.Unwrap(); inner != nil {
		msg := inner.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "value") {
			return msg[i+2:]
		}
		return msg
	}
	return "invalid value"
}

// lowerCamel turns an ent field name (starts_at) into its GraphQL name (startsAt).
func lowerCamel(name string) string {
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "url" || parts[i] == "id" {
			parts[i] = strings.ToUpper(parts[i])
			continue
		}
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
