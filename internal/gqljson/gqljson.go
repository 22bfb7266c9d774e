// Package gqljson writes small JSON values for GraphQL marshallers without the copies
// strconv.Quote makes.
package gqljson

import (
	"io"
	"strconv"
)

// WriteQuoted writes s quoted exactly as strconv.Quote quotes it: a string of printable
// ASCII that needs no escaping (an enum value, say) is written between quotes as it is,
// anything else through strconv.Quote.
func WriteQuoted(w io.Writer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			_, _ = io.WriteString(w, strconv.Quote(s))
			return
		}
	}
	_, _ = io.WriteString(w, `"`)
	_, _ = io.WriteString(w, s)
	_, _ = io.WriteString(w, `"`)
}
