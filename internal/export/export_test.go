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
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\n=1", "'\n=1"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"'quoted", "'quoted"},
	}
	for _, tt := range tests {
		if got := Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
