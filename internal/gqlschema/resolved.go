package gqlschema

import (
	"encoding/json"
	"fmt"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc/gen"
)

// Resolved names the GraphQL fields of an entity that a resolver serves (graph/*.graphqls
// extends the generated type with them) and, for each, the columns its resolver reads.
// entgql's field collection reads only the columns a query selects, but gives up on the
// first field it does not know and reads every column of the row; with these declared,
// ent/template/collection.tmpl adds the listed columns instead. A resolver field left out
// keeps the old behaviour (the whole row), so a declaration may only be narrower than the
// resolver's reads by mistake: server/projection_test.go compares every declared field's
// answer with the whole row's.
//
// The key is the GraphQL field name, the value the columns (storage keys; the id is always
// read). An empty list says the resolver reads only the id.
type Resolved map[string][]string

// Name implements schema.Annotation.
func (Resolved) Name() string { return "Resolved" }

// CheckResolved fails code generation when a Resolved annotation names a column its
// entity does not have, or a field entgql already maps to a column or an edge (the
// generated switch would not compile, or would silently read the wrong column).
func CheckResolved(next gen.Generator) gen.Generator {
	return gen.GenerateFunc(func(g *gen.Graph) error {
		for _, n := range g.Nodes {
			raw, ok := n.Annotations[Resolved{}.Name()]
			if !ok {
				continue
			}
			var r Resolved
			b, err := json.Marshal(raw)
			if err != nil {
				return fmt.Errorf("gqlschema: %s: Resolved: %w", n.Name, err)
			}
			if err := json.Unmarshal(b, &r); err != nil {
				return fmt.Errorf("gqlschema: %s: Resolved: %w", n.Name, err)
			}
			columns := make([]string, 0, len(n.Fields))
			names := make([]string, 0, len(n.Fields)+len(n.Edges))
			for _, f := range n.Fields {
				columns = append(columns, f.StorageKey())
				names = append(names, mapped(f.Name, f.Annotations)...)
			}
			for _, e := range n.Edges {
				names = append(names, mapped(e.Name, e.Annotations)...)
			}
			for field, cols := range r {
				if slices.Contains(names, field) {
					return fmt.Errorf("gqlschema: %s: Resolved field %q is the entity's own field or edge", n.Name, field)
				}
				for _, c := range cols {
					if !slices.Contains(columns, c) {
						return fmt.Errorf("gqlschema: %s: Resolved field %q reads %q, which is not a column (have %v)", n.Name, field, c, columns)
					}
				}
			}
		}
		return next.Generate(g)
	})
}

// mapped returns the GraphQL names entgql gives an ent field or edge on its type: none when
// it is skipped from the type, its MapsTo names, or its name in lower camel case.
func mapped(name string, annotations gen.Annotations) []string {
	ant := &entgql.Annotation{}
	if raw, ok := annotations[ant.Name()]; ok {
		if err := ant.Decode(raw); err != nil {
			return nil
		}
	}
	if ant.Skip.Is(entgql.SkipType) {
		return nil
	}
	if len(ant.Mapping) > 0 {
		return ant.Mapping
	}
	return []string{gen.Funcs["camel"].(func(string) string)(name)}
}
