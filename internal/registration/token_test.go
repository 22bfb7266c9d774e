package registration

import (
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	token, hash := NewToken()
	if len(token) != 43 || !wellFormedToken(token) {
		t.Fatalf("token %q: want 43 URL-safe characters", token)
	}
	if strings.ContainsAny(token, "+/=") {
		t.Errorf("token %q is not URL-safe", token)
	}
	if hash != HashToken(token) || len(hash) != 64 {
		t.Errorf("hash = %q, want HashToken(token)", hash)
	}
	other, _ := NewToken()
	if other == token {
		t.Error("two tokens are equal")
	}
	for _, bad := range []string{"", "short", token + "A", strings.Repeat("!", 43)} {
		if wellFormedToken(bad) {
			t.Errorf("wellFormedToken(%q) = true", bad)
		}
	}
}

func TestSealToken(t *testing.T) {
	const key = "0b6f3c3e-3d7e-4a2b-9d2a-8f1e6c1e2f3a"
	token, _ := NewToken()
	sealed, err := sealToken(key, token, hashKey(key))
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if strings.Contains(string(sealed), token) {
		t.Fatal("sealed token contains the token")
	}
	got, err := openToken(key, sealed, hashKey(key))
	if err != nil || got != token {
		t.Fatalf("open = %q, %v; want %q", got, err, token)
	}
	if _, err := openToken("another-idempotency-key", sealed, hashKey(key)); err == nil {
		t.Error("opened with another key")
	}
	if _, err := openToken(key, sealed, hashKey("another-idempotency-key")); err == nil {
		t.Error("opened under another key hash")
	}
	if _, err := openToken(key, sealed[:5], hashKey(key)); err == nil {
		t.Error("opened a truncated seal")
	}
}
