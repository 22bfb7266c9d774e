package registration

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// tokenBytes is the entropy of a manage token: 256 bits.
const tokenBytes = 32

// tokenLen is the length of a manage token: tokenBytes in unpadded base64url.
const tokenLen = (tokenBytes*8 + 5) / 6

// NewToken returns a new manage token (32 random bytes in unpadded base64url, URL-safe)
// and the hash stored in its place.
func NewToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a manage token: its hex SHA-256. A token of 256
// random bits needs no salt or slow hash.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedToken reports whether s can be a manage token, so that garbage is refused
// without a database round trip.
func wellFormedToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// hashKey returns the stored form of an idempotency key: its hex SHA-256.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// sealKey derives the AES-256 key that seals the manage token stored with an idempotency
// key. It is derived from the idempotency key itself, which is stored only hashed, so the
// table alone does not reveal tokens.
func sealKey(idemKey string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, []byte(idemKey), nil, "launchgraph idempotency token seal v1", 32)
	if err != nil {
		return nil, fmt.Errorf("registration: derive seal key: %w", err)
	}
	return k, nil
}

func sealGCM(idemKey string) (cipher.AEAD, error) {
	k, err := sealKey(idemKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("registration: seal cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("registration: seal cipher: %w", err)
	}
	return gcm, nil
}

// sealToken encrypts token with AES-GCM under a key derived from idemKey, bound to the
// key's stored hash (so a sealed token cannot be moved to another key's row); the result
// is nonce || ciphertext. It needs no registrant id, so it runs before the launch is locked.
func sealToken(idemKey, token, keyHash string) ([]byte, error) {
	gcm, err := sealGCM(idemKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, []byte(token), []byte(keyHash)), nil
}

// openToken reverses sealToken.
func openToken(idemKey string, sealed []byte, keyHash string) (string, error) {
	gcm, err := sealGCM(idemKey)
	if err != nil {
		return "", err
	}
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("registration: sealed token too short")
	}
	nonce, ct := sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():]
	pt, err := gcm.Open(nil, nonce, ct, []byte(keyHash))
	if err != nil {
		return "", fmt.Errorf("registration: open sealed token: %w", err)
	}
	return string(pt), nil
}
