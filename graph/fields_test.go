package graph

import (
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Issue 13.4: field middleware runs only on the fields it applies to — Time fields given a
// `tz` argument and connection fields asked without a literal first or last — whatever
// fragments the selection goes through.
func TestFieldHooksOnlyWhereTheyApply(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		want        []string // paths of the hooked fields
	}{
		{"scalars only", `query($id: ID!) { node(id: $id) { id ... on Launch { title startsAt region { code } } } }`, nil},
		{"time without tz", `{ launches(first: 1) { edges { node { startsAt endsAt } } } }`, nil},
		{"time with tz", `{ launches(last: 1) { edges { node { startsAt(tz: "Asia/Tokyo") endsAt } } } }`,
			[]string{"launches.edges.node.startsAt"}},
		{"connection without a page size", `{ launches { totalCount } }`, []string{"launches"}},
		{"page size that may be null", `query($n: Int) { launches(first: $n) { totalCount } }`, []string{"launches"}},
		{"null page size", `{ launches(first: null) { totalCount } }`, []string{"launches"}},
		{"through fragments", `query($id: ID!) { node(id: $id) { ...L } } fragment L on Launch { startsAt(tz: "UTC") ...R }
			fragment R on Launch { registrants { totalCount } }`,
			[]string{"node.registrants", "node.startsAt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(NewExecutableSchema(Config{}).Schema(), tc.query, rules.NewDefaultRules())
			if errs != nil {
				t.Fatal(errs)
			}
			set := doc.Operations[0].SelectionSet
			hooks := map[*ast.Field]graphql.FieldMiddleware{}
			collectHooks(set, hooks, map[string]bool{})
			paths := map[*ast.Field]string{}
			fieldPaths(set, "", paths)
			var got []string
			for f := range hooks {
				got = append(got, paths[f])
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("hooked %q, want %q", got, tc.want)
			}
		})
	}
}

// fieldPaths records the dotted path of every field of set.
func fieldPaths(set ast.SelectionSet, prefix string, out map[*ast.Field]string) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			p := s.Alias
			if prefix != "" {
				p = prefix + "." + s.Alias
			}
			out[s] = p
			fieldPaths(s.SelectionSet, p, out)
		case *ast.InlineFragment:
			fieldPaths(s.SelectionSet, prefix, out)
		case *ast.FragmentSpread:
			fieldPaths(s.Definition.SelectionSet, prefix, out)
		}
	}
}
