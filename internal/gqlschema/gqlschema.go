// Package gqlschema holds the entgql schema hooks (ent/entc.go) that add arguments to the
// generated GraphQL schema (graph/ent.graphqls) which ent annotations cannot express:
// `tz` on every time field and `updatedAfter` on every root connection.
//
// It imports no launchgraph package, so that entc can run while the ent client does not
// compile yet.
package gqlschema

import (
	"strings"

	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

// TimeZoneArgs adds `tz: String` to every Time and Time! field of the generated object
// types, so that any instant can be read with another zone's offset. The resolvers
// (graph/ent.resolvers.go) convert through internal/tz.
func TimeZoneArgs(_ *gen.Graph, s *ast.Schema) error {
	for _, def := range s.Types {
		if def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			if f.Type.Elem == nil && f.Type.NamedType == "Time" && f.Arguments.ForName("tz") == nil {
				f.Arguments = append(f.Arguments, &ast.ArgumentDefinition{
					Name:        "tz",
					Description: "IANA time zone (e.g. Europe/Berlin) whose offset the instant is written with; default UTC. An unknown zone is BAD_USER_INPUT.",
					Type:        ast.NamedType("String", nil),
				})
			}
		}
	}
	return nil
}

// UpdatedAfterArgs adds `updatedAfter: Time` to every connection field of Query, for
// partners syncing incrementally (internal/changes).
func UpdatedAfterArgs(_ *gen.Graph, s *ast.Schema) error {
	q := s.Types["Query"]
	if q == nil {
		return nil
	}
	for _, f := range q.Fields {
		if f.Type.Elem == nil && strings.HasSuffix(f.Type.NamedType, "Connection") && f.Arguments.ForName("updatedAfter") == nil {
			f.Arguments = append(f.Arguments, &ast.ArgumentDefinition{
				Name: "updatedAfter",
				Description: "Only nodes whose updatedAt is after this instant. Without orderBy, the nodes are then " +
					"ordered by (updatedAt, id) ascending, so that paging through changes neither misses nor repeats a node.",
				Type: ast.NamedType("Time", nil),
			})
		}
	}
	return nil
}
