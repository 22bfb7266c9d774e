package outbox

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// TestWriteDot: writeDot writes what textproto's DotWriter writes (for any content but
// an empty one, which DotWriter sends as an empty line).
func TestWriteDot(t *testing.T) {
	tests := []string{
		"a", "a\r\n", "a\n", "a\r\nb\r\n", "a\nb", ".", ".\r\n", "..\r\n", "a\r\n.\r\nb\r\n",
		".lead\n.\n", "\r\n", "\n\n", "x\r\ny", "mid.dot\r\n", "end\r\n.",
	}
	for _, in := range tests {
		var want, got bytes.Buffer
		w := textproto.NewWriter(bufio.NewWriter(&want))
		dw := w.DotWriter()
		_, _ = dw.Write([]byte(in))
		_ = dw.Close()
		bw := bufio.NewWriter(&got)
		writeDot(bw, []byte(in))
		_ = bw.Flush()
		if got.String() != want.String() {
			t.Errorf("writeDot(%q) = %q, want %q", in, got.String(), want.String())
		}
	}
}
