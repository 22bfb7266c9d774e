package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// selfTransacting are the mutation fields that run their own transaction with retries
// (internal/registration): a transaction opened around them would hold a pooled
// connection while they open another, and could not be retried after a serialization
// failure or deadlock.
func selfTransacting(name string) bool {
	switch name {
	case "register", "cancelRegistration", "__typename":
		return true
	}
	return false
}

// skipTx tells entgql.Transactioner not to open a transaction for a mutation whose root
// fields all run their own. A mutation mixing them with other fields (or spreading
// fragments at its root) gets the usual transaction, which the self-transacting fields
// then join, once and without retries.
func skipTx(op *ast.OperationDefinition) bool {
	if op == nil || op.Operation != ast.Mutation || len(op.SelectionSet) == 0 {
		return false
	}
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || !selfTransacting(f.Name) {
			return false
		}
	}
	return true
}
