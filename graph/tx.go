package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// ownTransaction is the directive of mutation fields that run their own transaction with
// retries (register, cancelRegistration: internal/registration): a transaction opened
// around them would hold a pooled connection while they open another, and could not be
// retried after a serialization failure or deadlock.
const ownTransaction = "ownTransaction"

// selfTransacting returns the mutation fields of schema marked @ownTransaction: the one
// place they are declared is the SDL.
func selfTransacting(schema *ast.Schema) map[string]bool {
	out := map[string]bool{"__typename": true}
	if schema.Mutation == nil {
		return out
	}
	for _, f := range schema.Mutation.Fields {
		if f.Directives.ForName(ownTransaction) != nil {
			out[f.Name] = true
		}
	}
	return out
}

// skipTx returns the function that tells entgql.Transactioner not to open a transaction
// for a mutation whose root fields all run their own. A mutation mixing them with other
// fields (or spreading fragments at its root) gets the usual transaction, which the
// self-transacting fields then join, once and without retries.
func skipTx(schema *ast.Schema) func(op *ast.OperationDefinition) bool {
	own := selfTransacting(schema)
	return func(op *ast.OperationDefinition) bool {
		if op == nil || op.Operation != ast.Mutation || len(op.SelectionSet) == 0 {
			return false
		}
		for _, sel := range op.SelectionSet {
			f, ok := sel.(*ast.Field)
			if !ok || !own[f.Name] {
				return false
			}
		}
		return true
	}
}
