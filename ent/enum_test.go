package ent_test

import (
	"bytes"
	"strconv"
	"testing"

	"launchgraph/ent/registrant"
)

// An enum writes what strconv.Quote writes (enum.tmpl): its own values without a quoted
// copy, and a stored value that needs escaping escaped.
func TestEnumMarshalGQLAsQuote(t *testing.T) {
	for _, v := range []registrant.Status{
		registrant.StatusCONFIRMED, registrant.StatusWAITLISTED, "", "a b~", `say "hi"`, `back\slash`,
		"tab\there", "del\x7f", "é", "\xff",
	} {
		var buf bytes.Buffer
		v.MarshalGQL(&buf)
		if want := strconv.Quote(string(v)); buf.String() != want {
			t.Errorf("%q: wrote %s, want %s", string(v), buf.String(), want)
		}
	}
}
