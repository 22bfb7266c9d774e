package graph

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// MaxErrors bounds the errors of one response: validation stops after MaxErrors errors
// and says so in one more, and a response with more execution errors keeps MaxErrors of
// them and one saying how many were left out. Without it, 1,100 fields of one name with
// different arguments (18.7 KB) made ~600,000 "fields conflict" errors (a 147 MB reply).
const MaxErrors = 100

// errStopValidation aborts the validation walk once MaxErrors errors are collected.
type errStopValidation struct{}

// boundedRules returns the rule set gqlgen validates with: one rule that checks the
// document's shape (repeats per selection set) and then runs gqlparser's rules (without
// "Did you mean …" suggestions unless suggestions is true), stopping after MaxErrors.
//
// gqlgen adds its own FieldsOnCorrectType and ScalarLeafs variants to whatever set it is
// given, but gqlparser's Rules.AddRule keeps a rule already present under that name: the
// no-op placeholders below keep them out, since the bounded rule runs them itself.
func boundedRules(maxFields int, suggestions bool) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewRules(core.Rule{Name: "BoundedValidation", RuleFunc: func(ev *core.Events, add core.AddErrFunc) {
			done := false
			ev.OnOperation(func(w *core.Walker, _ *ast.OperationDefinition) {
				if !done {
					done = true
					validateBounded(w.Schema, w.Document, maxFields, suggestions, add)
				}
			})
		}})
		noop := func(*core.Events, core.AddErrFunc) {}
		for _, name := range []string{"FieldsOnCorrectType", "FieldsOnCorrectTypeWithoutSuggestions", "ScalarLeafs", "ScalarLeafsWithoutSuggestions"} {
			r.AddRule(name, noop)
		}
		return r
	}
}

// validateBounded validates doc: first its shape, then gqlparser's rules until MaxErrors
// errors are reported.
func validateBounded(schema *ast.Schema, doc *ast.QueryDocument, maxFields int, suggestions bool, add core.AddErrFunc) {
	if n, what, pos := crowdedSelection(doc); n > maxFields {
		add(core.Message("a selection set repeats %s %d times, more than the limit of %d", what, n, maxFields), core.At(pos))
		return
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errStopValidation); !ok {
				panic(r)
			}
		}
	}()
	reported := 0
	capped := func(opts ...core.ErrorOption) {
		if reported == MaxErrors {
			add(core.Message("too many validation errors: validation stopped after %d", MaxErrors))
			panic(errStopValidation{})
		}
		reported++
		add(opts...)
	}
	ev := &core.Events{}
	for _, rule := range parserRules(suggestions) {
		rule.RuleFunc(ev, capped)
	}
	core.Walk(schema, doc, ev)
}

// parserRules is gqlparser's default rule set in name order, with the variants that give
// no suggestions unless suggestions is true.
func parserRules(suggestions bool) []core.Rule {
	r := rules.NewDefaultRules()
	if !suggestions {
		for _, swap := range []core.Rule{
			rules.FieldsOnCorrectTypeRuleWithoutSuggestions,
			rules.ScalarLeafsRuleWithoutSuggestions,
			rules.KnownArgumentNamesRuleWithoutSuggestions,
			rules.KnownTypeNamesRuleWithoutSuggestions,
			rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
		} {
			r.ReplaceRule(baseRuleName(swap.Name), swap.RuleFunc)
		}
	}
	var out []core.Rule
	for name, fn := range r.GetInner() {
		out = append(out, core.Rule{Name: name, RuleFunc: fn})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// baseRuleName is the name of the rule a WithoutSuggestions variant replaces.
func baseRuleName(name string) string { return strings.TrimSuffix(name, "WithoutSuggestions") }

// crowdedSelection finds the selection set of doc (its inline fragments included, named
// fragments counted where they are written, not per spread) that writes one response name
// most often, or spreads the most fragments: the shapes whose merge check is quadratic.
// It returns that count, what was repeated, and where.
func crowdedSelection(doc *ast.QueryDocument) (n int, what string, pos *ast.Position) {
	var visit func(set ast.SelectionSet, at *ast.Position)
	visit = func(set ast.SelectionSet, at *ast.Position) {
		names, spreads := map[string]int{}, 0
		var count func(set ast.SelectionSet)
		count = func(set ast.SelectionSet) {
			for _, sel := range set {
				switch s := sel.(type) {
				case *ast.Field:
					name := s.Alias
					if name == "" {
						name = s.Name
					}
					names[name]++
					if names[name] > n {
						n, what, pos = names[name], fmt.Sprintf("the field %q", name), at
					}
					visit(s.SelectionSet, s.Position)
				case *ast.InlineFragment:
					count(s.SelectionSet)
				case *ast.FragmentSpread:
					if spreads++; spreads > n {
						n, what, pos = spreads, "fragment spreads", at
					}
				}
			}
		}
		count(set)
	}
	for _, op := range doc.Operations {
		visit(op.SelectionSet, op.Position)
	}
	for _, f := range doc.Fragments {
		visit(f.SelectionSet, f.Position)
	}
	return n, what, pos
}

// capErrors keeps at most MaxErrors errors of a response, and one more that says how many
// were left out.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= MaxErrors+1 {
		return resp
	}
	omitted := len(resp.Errors) - MaxErrors
	resp.Errors = append(resp.Errors[:MaxErrors:MaxErrors], &gqlerror.Error{
		Message:    fmt.Sprintf("too many errors: %d more are not shown", omitted),
		Extensions: resp.Errors[MaxErrors].Extensions,
	})
	return resp
}
