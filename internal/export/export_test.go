package export

import "testing"

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ada Lovelace", "Ada Lovelace"},
		{"=1+1", "'=1+1"},
		{"+41 22 730 5111", "'+41 22 730 5111"},
		{"-2", "'-2"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		// Opened as tab-separated, the "=1" after the tab is a cell of its own (issue 17.13).
		{"\t=1", "'\t'=1"},
		{"\r=1", "'\r=1"},
		{"\n=1", "'\n=1"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"'quoted", "'quoted"},
		// Issue 17.13: a formula after another locale's separator.
		{"x;=1+1;", "x;'=1+1;"},
		{"x; =1+1", "x; '=1+1"},
		{"a,b", "a,b"},
		{"a, -b", "a, '-b"},
		{"a|@x", "a|'@x"},
		{"a\t+1", "a\t'+1"},
		{"=a;=b", "'=a;'=b"},
		{"O'Brien; Müller", "O'Brien; Müller"},
		{"x;", "x;"},
	}
	for _, tt := range tests {
		if got := Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
