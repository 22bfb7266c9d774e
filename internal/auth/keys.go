package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/apikey"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
)

// KeyPrefix starts every API key, so that a leaked key is recognisable (e.g. by secret
// scanners).
const KeyPrefix = "lgk_"

// keyBytes is the number of random bytes in a key.
const keyBytes = 32

// keyLen is the length of a key: the prefix and the unpadded base64url of keyBytes.
var keyLen = len(KeyPrefix) + base64.RawURLEncoding.EncodedLen(keyBytes)

// displayPrefixLen is how much of a key is stored in clear (APIKey.prefix) to tell keys
// apart in lists: the fixed prefix and 8 random characters (48 bits).
const displayPrefixLen = 12

// lastUsedEvery is how often a key's last_used_at is written at most.
const lastUsedEvery = time.Minute

// The messages of rejected keys; the caller presented the key, so saying why is safe.
const (
	msgMalformed = "malformed API key: want " + KeyPrefix + " followed by 43 base64url characters"
	msgUnknown   = "unknown API key"
	msgRevoked   = "API key revoked"
	msgExpired   = "API key expired"
)

// Create makes a key for role (Admin or Partner) named name, valid for expiresIn (0: no
// expiry). It returns the key, which is not stored and cannot be shown again, and its row,
// which holds only the key's SHA-256. It returns BAD_USER_INPUT for a bad role, name or
// duration.
func Create(ctx context.Context, client *ent.Client, role Role, name string, expiresIn time.Duration) (string, *ent.APIKey, error) {
	if role != Admin && role != Partner {
		return "", nil, apperr.Invalid("role", "must be %s or %s, not %q", Admin, Partner, role)
	}
	if name = strings.TrimSpace(name); name == "" {
		return "", nil, apperr.Invalid("name", "must not be empty")
	}
	if expiresIn < 0 {
		return "", nil, apperr.Invalid("expires", "must not be negative")
	}
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: creating key: %w", err)
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	create := client.APIKey.Create().
		SetName(name).
		SetRole(apikey.Role(role)).
		SetPrefix(key[:displayPrefixLen]).
		SetSecretHash(hashKey(key))
	if expiresIn > 0 {
		create.SetExpiresAt(time.Now().Add(expiresIn))
	}
	k, err := create.Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("auth: creating key: %w", err)
	}
	return key, k, nil
}

// List returns every key, oldest first; the rows hold no secret.
func List(ctx context.Context, client *ent.Client) ([]*ent.APIKey, error) {
	keys, err := client.APIKey.Query().Order(ent.Asc(apikey.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: listing keys: %w", err)
	}
	return keys, nil
}

// Revoke revokes key id at once; revoking a revoked key keeps its first revocation time.
// It returns NOT_FOUND for an unknown id.
func Revoke(ctx context.Context, client *ent.Client, id int) error {
	n, err := client.APIKey.Update().
		Where(apikey.ID(id), apikey.RevokedAtIsNil()).
		SetRevokedAt(time.Now()).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoking key %d: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	exists, err := client.APIKey.Query().Where(apikey.ID(id)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoking key %d: %w", id, err)
	}
	if !exists {
		return apperr.Errorf(apperr.NotFound, "no API key %d", id)
	}
	return nil
}

// Authenticate returns the viewer of key, the bearer token of a request. A malformed,
// unknown, revoked or expired key is UNAUTHENTICATED, each with its own message. It
// records when the key was last used, at most once a minute. KeyCache answers the same
// from memory.
//
// It reads and writes API keys whatever viewer ctx carries: checking a key is trusted work.
func Authenticate(ctx context.Context, client *ent.Client, key string) (Viewer, error) {
	k, err := lookup(ctx, client, key)
	if err != nil {
		return Viewer{}, err
	}
	return viewerOf(k), nil
}

// lookup returns the usable key row of key (see Authenticate) and records its use.
func lookup(ctx context.Context, client *ent.Client, key string) (*ent.APIKey, error) {
	if !wellFormed(key) {
		return nil, apperr.Errorf(apperr.Unauthenticated, msgMalformed)
	}
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	hash := hashKey(key)
	k, err := client.APIKey.Query().Where(apikey.SecretHash(hash)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.Unauthenticated, msgUnknown)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: looking up key: %w", err)
	}
	// The row was found by its hash; comparing again in constant time keeps the decision
	// itself free of timing differences, whatever the database's comparison does.
	if subtle.ConstantTimeCompare([]byte(k.SecretHash), []byte(hash)) != 1 {
		return nil, apperr.Errorf(apperr.Unauthenticated, msgUnknown)
	}
	now := time.Now()
	if err := usable(k, now); err != nil {
		return nil, err
	}
	if err := touch(ctx, client, k, now); err != nil {
		return nil, err
	}
	return k, nil
}

// usable returns UNAUTHENTICATED for a revoked key, or one expired at now.
func usable(k *ent.APIKey, now time.Time) error {
	switch {
	case k.RevokedAt != nil:
		return apperr.Errorf(apperr.Unauthenticated, msgRevoked)
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return apperr.Errorf(apperr.Unauthenticated, msgExpired)
	}
	return nil
}

func viewerOf(k *ent.APIKey) Viewer {
	v := Viewer{Role: Role(k.Role), KeyID: k.ID, KeyName: k.Name}
	if k.ExpiresAt != nil {
		v.KeyExpires = *k.ExpiresAt
	}
	return v
}

// touch sets k's last_used_at to now unless it was set within lastUsedEvery. The check on
// the row just read skips the write in the common case; the condition in the UPDATE makes
// concurrent requests of one key write it once.
func touch(ctx context.Context, client *ent.Client, k *ent.APIKey, now time.Time) error {
	cutoff := now.Add(-lastUsedEvery)
	if k.LastUsedAt != nil && k.LastUsedAt.After(cutoff) {
		return nil
	}
	err := client.APIKey.Update().
		Where(apikey.ID(k.ID), apikey.Or(apikey.LastUsedAtIsNil(), apikey.LastUsedAtLT(cutoff))).
		SetLastUsedAt(now).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("auth: recording use of key %d: %w", k.ID, err)
	}
	return nil
}

// wellFormed reports whether key has the shape of a key made by Create.
func wellFormed(key string) bool {
	if len(key) != keyLen || !strings.HasPrefix(key, KeyPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(key[len(KeyPrefix):])
	return err == nil && len(b) == keyBytes
}

// hashKey returns the hex SHA-256 of key, as stored in APIKey.secret_hash.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
