package graphiql

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// TestAssetsArePinned: every embedded asset is byte for byte the pinned upstream file
// (the hashes are those of the npm packages graphiql@4.1.2, react@18.2.0 and
// react-dom@18.2.0, which gqlgen's playground also pins).
func TestAssetsArePinned(t *testing.T) {
	for _, a := range Assets {
		b, err := files.ReadFile("assets/" + a.Name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != a.SHA256 {
			t.Errorf("%s: sha256 %s, pinned %s", a.Name, got, a.SHA256)
		}
	}
}
