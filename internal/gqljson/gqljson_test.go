package gqljson

import (
	"bytes"
	"strconv"
	"testing"
)

func TestWriteQuotedAsQuote(t *testing.T) {
	for _, s := range []string{"CONFIRMED", "", "a b~", `say "hi"`, `back\slash`, "tab\there", "del\x7f", "é", "\xff"} {
		var buf bytes.Buffer
		WriteQuoted(&buf, s)
		if want := strconv.Quote(s); buf.String() != want {
			t.Errorf("%q: wrote %s, want %s", s, buf.String(), want)
		}
	}
}
