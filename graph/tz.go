package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"launchgraph/internal/programme"
	"launchgraph/internal/tz"
)

// convertTimes writes the result of a time field asked with `tz` (every Time field of the
// generated types has one: internal/gqlschema) in that zone. gqlgen resolves those fields
// from the struct and leaves their arguments to field middleware: this one, which fieldHooks
// (fields.go) runs on the Time fields an operation gives a `tz`, and on no other field.
// An unknown zone is BAD_USER_INPUT on "tz".
func convertTimes(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	name, _ := fc.Args["tz"].(*string)
	if name == nil || fc.Field.Definition == nil || fc.Field.Definition.Type.Name() != "Time" {
		return next(ctx)
	}
	loc, err := tz.Load("tz", *name)
	if err != nil {
		return nil, err
	}
	res, err := next(ctx)
	switch t := res.(type) {
	case time.Time:
		return t.In(loc), err
	case *time.Time:
		if t != nil {
			in := t.In(loc)
			return &in, err
		}
	}
	return res, err
}

// toDays turns a launch's programme days into GraphQL Days.
func toDays(groups []programme.Day, err error) ([]*Day, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*Day, len(groups))
	for i, g := range groups {
		out[i] = &Day{Date: g.Date, Sessions: g.Items}
	}
	return out, nil
}
