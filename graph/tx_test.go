package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestSkipTx(t *testing.T) {
	tests := []struct {
		name, doc string
		want      bool
	}{
		{"register alone", `mutation { register(input: {}) { manageToken } }`, true},
		{"cancel and register", `mutation { cancelRegistration(token: "t") { id } register(input: {}) { manageToken } __typename }`, true},
		{"register with an admin field", `mutation { register(input: {}) { manageToken } createRegion(input: {}) { id } }`, false},
		{"admin field", `mutation { approveRegistration(id: 1) { id } }`, false},
		{"fragment at the root", `mutation { ...F } fragment F on Mutation { register(input: {}) { manageToken } }`, false},
		{"query", `{ registration(token: "t") { id } }`, false},
	}
	skip := skipTx(NewExecutableSchema(Config{}).Schema())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tt.doc})
			if err != nil {
				t.Fatal(err)
			}
			if got := skip(doc.Operations[0]); got != tt.want {
				t.Errorf("skipTx = %v, want %v", got, tt.want)
			}
		})
	}
}
