package graph

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/ent"
	"launchgraph/internal/apperr"
	"launchgraph/internal/requestid"
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
	if e, ok := apperr.As(err); ok {
		return coded(path, e)
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		if inner := gqlErr.Unwrap(); inner != nil {
			if e, ok := apperr.As(inner); ok {
				out := coded(gqlErr.Path, e)
				if len(out.Path) == 0 {
					out.Path = path
				}
				return out
			}
		}
		if _, ok := gqlErr.Extensions["code"]; ok {
			return gqlErr
		}
		// gqlparser and gqlgen report bad arguments (cursors, ids, enum values) and
		// entgql reports bad pagination as *gqlerror.Error: all are the caller's input.
		if gqlErr.Unwrap() == nil || !isInfrastructure(gqlErr.Unwrap()) {
			out := *gqlErr
			out.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
			if len(out.Path) == 0 {
				out.Path = path
			}
			return &out
		}
		err = gqlErr.Unwrap()
	}
	switch {
	case ent.IsNotFound(err):
		return coded(path, apperr.Errorf(apperr.NotFound, "not found"))
	case ent.IsValidationError(err):
		var ve *ent.ValidationError
		errors.As(err, &ve)
		return coded(path, apperr.Invalid(lowerCamel(ve.Name), "%s", validationMessage(ve)))
	case ent.IsConstraintError(err):
		return coded(path, apperr.Errorf(apperr.Conflict, "the change conflicts with existing data"))
	case isInfrastructure(err):
		return coded(path, apperr.Errorf(apperr.Unavailable, "the database is unavailable, try again later"))
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

func coded(path ast.Path, e *apperr.Error) *gqlerror.Error {
	ext := map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	return &gqlerror.Error{Message: e.Error(), Path: path, Extensions: ext}
}

// isInfrastructure reports errors that mean the database cannot be reached.
func isInfrastructure(err error) bool {
	var opErr *net.OpError
	return errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &opErr)
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
