package graph

import (
	"os"
	"strings"
	"testing"
)

// Issue 12.5: ordinary pages fit the anonymous budget; fan-outs do not.
func TestAnonymousBudgetCalibration(t *testing.T) {
	budget := Limits{}.withDefaults().AnonymousComplexity
	tests := []struct {
		name, query string
		fits        bool
	}{
		{"a launch page: launch, programme, speakers, seats", `query($id: ID!) { node(id: $id) { ... on Launch {
			title description startsAt endsAt timezone venue region { name } format { name }
			seats { capacity confirmed remaining }
			objectives { edges { node { text } } }
			sessions { edges { node { title kind startsAt endsAt room speakers { edges { node { name title affiliation } } } } } } } } }`, true},
		{"a list of 20 launches with region and format", `{ launches(first: 20) { totalCount pageInfo { hasNextPage endCursor }
			edges { node { id slug title startsAt region { code name } format { kind name } } } } }`, true},
		{"every launch, 20 sessions each", `{ launches { edges { node { title sessions(first: 20) { edges { node { title } } } } } } }`, true},
		{"three connections of 100 deep", `{ regions(first: 100) { edges { node { launches(first: 100) { edges { node { sessions(first: 100) { edges { node { id } } } } } } } } } }`, false},
		{"launches, sessions and speakers without first", `{ launches { edges { node { sessions { edges { node { speakers { edges { node { name } } } } } } } } } }`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := measureOf(t, tt.query, nil)
			if got := m.cost <= budget; got != tt.fits {
				t.Fatalf("cost %d against %d: fits %v, want %v", m.cost, budget, got, tt.fits)
			}
			t.Logf("cost %d", m.cost)
		})
	}
}

// Every query of the README fits the anonymous budget.
func TestREADMEQueriesFitTheAnonymousBudget(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	budget := Limits{}.withDefaults().AnonymousComplexity
	ops := readmeOperations(string(raw))
	if len(ops) < 3 {
		t.Fatalf("found %d operations in the README", len(ops))
	}
	for _, op := range ops {
		if m := measureOf(t, op, nil); m.cost > budget {
			t.Errorf("cost %d > %d:\n%s", m.cost, budget, op)
		}
	}
}

// readmeOperations returns the operations of the README's ```graphql blocks, one per
// top-level pair of braces (comments dropped).
func readmeOperations(md string) []string {
	var ops []string
	for _, block := range strings.Split(md, "```graphql")[1:] {
		block, _, _ = strings.Cut(block, "```")
		var cur strings.Builder
		depth := 0
		for _, line := range strings.Split(block, "\n") {
			if i := strings.Index(line, "#"); i >= 0 {
				line = line[:i]
			}
			if strings.TrimSpace(line) == "" && depth == 0 {
				continue
			}
			cur.WriteString(line + "\n")
			depth += strings.Count(line, "{") - strings.Count(line, "}")
			if depth == 0 && strings.Contains(cur.String(), "{") {
				ops = append(ops, cur.String())
				cur.Reset()
			}
		}
	}
	return ops
}
