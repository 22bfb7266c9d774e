package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"launchgraph/ent"
	"launchgraph/ent/apikey"
	"launchgraph/internal/apperr"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

func TestCreateStoresOnlyTheHash(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	key, k, err := auth.Create(ctx, db.Client, auth.Partner, "  Partner site  ", 720*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, auth.KeyPrefix) || len(key) != 47 {
		t.Fatalf("key %q: want %s and 43 characters", key, auth.KeyPrefix)
	}
	sum := sha256.Sum256([]byte(key))
	got := db.Client.APIKey.GetX(ctx, k.ID)
	if got.SecretHash != hex.EncodeToString(sum[:]) {
		t.Errorf("secret_hash = %q, want the hex SHA-256 of the key", got.SecretHash)
	}
	if got.Prefix != key[:12] || got.Name != "Partner site" || got.Role != apikey.RolePARTNER {
		t.Errorf("row = %q %q %s, want prefix %q, trimmed name, PARTNER", got.Prefix, got.Name, got.Role, key[:12])
	}
	if got.ExpiresAt == nil || time.Until(*got.ExpiresAt) < 719*time.Hour {
		t.Errorf("expires_at = %v, want about 720h from now", got.ExpiresAt)
	}
	if strings.Contains(got.String(), key) || strings.Contains(got.String(), got.SecretHash) {
		t.Errorf("String() shows a secret: %s", got)
	}
	other, _, err := auth.Create(ctx, db.Client, auth.Admin, "other", 0)
	if err != nil || other == key {
		t.Fatalf("second key %q, %v: want a new key", other, err)
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	db := storetest.SQLite(t)
	tests := []struct {
		name      string
		role      auth.Role
		keyName   string
		expiresIn time.Duration
		field     string
	}{
		{"public role", auth.Public, "x", 0, "role"},
		{"unknown role", "ROOT", "x", 0, "role"},
		{"empty name", auth.Admin, "  ", 0, "name"},
		{"negative expiry", auth.Admin, "x", -time.Hour, "expires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := auth.Create(context.Background(), db.Client, tt.role, tt.keyName, tt.expiresIn)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.BadUserInput || e.Field != tt.field {
				t.Fatalf("err = %v, want BAD_USER_INPUT on %s", err, tt.field)
			}
		})
	}
	if n := db.Client.APIKey.Query().CountX(context.Background()); n != 0 {
		t.Fatalf("%d keys stored, want 0", n)
	}
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := db.Client
		mustKey := func(role auth.Role, name string) (string, *ent.APIKey) {
			key, k, err := auth.Create(ctx, c, role, name, 0)
			if err != nil {
				t.Fatal(err)
			}
			return key, k
		}
		admin, adminRow := mustKey(auth.Admin, "ops")
		partner, partnerRow := mustKey(auth.Partner, "partner site")
		revoked, revokedRow := mustKey(auth.Partner, "old")
		if err := auth.Revoke(ctx, c, revokedRow.ID); err != nil {
			t.Fatal(err)
		}
		expired, expiredRow := mustKey(auth.Partner, "temp")
		c.APIKey.UpdateOne(expiredRow).SetExpiresAt(time.Now().Add(-time.Second)).ExecX(ctx)
		unknown := auth.KeyPrefix + strings.Repeat("A", 43)

		tests := []struct {
			name    string
			ctx     context.Context
			key     string
			want    auth.Viewer
			wantErr string
		}{
			{"admin", ctx, admin, auth.Viewer{Role: auth.Admin, KeyID: adminRow.ID, KeyName: "ops"}, ""},
			{"partner", ctx, partner, auth.Viewer{Role: auth.Partner, KeyID: partnerRow.ID, KeyName: "partner site"}, ""},
			{"caller already public", auth.WithViewer(ctx, auth.Viewer{Role: auth.Public}), partner, auth.Viewer{Role: auth.Partner, KeyID: partnerRow.ID, KeyName: "partner site"}, ""},
			{"revoked", ctx, revoked, auth.Viewer{}, "API key revoked"},
			{"expired", ctx, expired, auth.Viewer{}, "API key expired"},
			{"unknown", ctx, unknown, auth.Viewer{}, "unknown API key"},
			{"one character off", ctx, admin[:20] + flip(admin[20]) + admin[21:], auth.Viewer{}, "unknown API key"},
			{"no prefix", ctx, strings.TrimPrefix(admin, auth.KeyPrefix), auth.Viewer{}, "malformed API key"},
			{"too short", ctx, admin[:20], auth.Viewer{}, "malformed API key"},
			{"not base64url", ctx, auth.KeyPrefix + strings.Repeat("*", 43), auth.Viewer{}, "malformed API key"},
			{"empty", ctx, "", auth.Viewer{}, "malformed API key"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := auth.Authenticate(tt.ctx, c, tt.key)
				if tt.wantErr != "" {
					if apperr.CodeOf(err) != apperr.Unauthenticated || !strings.HasPrefix(err.Error(), tt.wantErr) {
						t.Fatalf("err = %v, want UNAUTHENTICATED %q", err, tt.wantErr)
					}
					return
				}
				if err != nil || got != tt.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
				}
			})
		}
	})
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

// updateCounter counts the UPDATE statements sent for api_keys.
type updateCounter struct {
	dialect.Driver
	n atomic.Int64
}

func (d *updateCounter) Exec(ctx context.Context, query string, args, v any) error {
	if strings.HasPrefix(query, "UPDATE") && strings.Contains(query, "api_keys") {
		d.n.Add(1)
	}
	return d.Driver.Exec(ctx, query, args, v)
}

func TestLastUsedAtIsWrittenAtMostOnceAMinute(t *testing.T) {
	stores := []struct {
		name string
		open func(testing.TB, ...func(*store.Config)) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			drv := new(updateCounter)
			db := st.open(t, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { drv.Driver = d; return drv }
			})
			ctx := context.Background()
			key, k, err := auth.Create(ctx, db.Client, auth.Partner, "p", 0)
			if err != nil {
				t.Fatal(err)
			}
			if k.LastUsedAt != nil {
				t.Fatalf("new key last_used_at = %v, want null", k.LastUsedAt)
			}

			// Concurrent first uses write once.
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := auth.Authenticate(ctx, db.Client, key); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			first := db.Client.APIKey.GetX(ctx, k.ID).LastUsedAt
			if first == nil || time.Since(*first) > time.Minute {
				t.Fatalf("last_used_at = %v after use, want now", first)
			}
			// More uses within the minute send no UPDATE at all.
			before := drv.n.Load()
			for range 5 {
				if _, err := auth.Authenticate(ctx, db.Client, key); err != nil {
					t.Fatal(err)
				}
			}
			if got := drv.n.Load() - before; got != 0 {
				t.Errorf("%d UPDATEs within a minute of the last use, want 0", got)
			}
			if again := db.Client.APIKey.GetX(ctx, k.ID).LastUsedAt; !again.Equal(*first) {
				t.Errorf("last_used_at moved from %v to %v within a minute", first, again)
			}
			// A use more than a minute later writes it again.
			old := time.Now().Add(-2 * time.Minute)
			db.Client.APIKey.UpdateOneID(k.ID).SetLastUsedAt(old).ExecX(ctx)
			if _, err := auth.Authenticate(ctx, db.Client, key); err != nil {
				t.Fatal(err)
			}
			if later := db.Client.APIKey.GetX(ctx, k.ID).LastUsedAt; !later.After(old.Add(time.Minute)) {
				t.Errorf("last_used_at = %v after a use 2 minutes later, want now", later)
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	_, k, err := auth.Create(ctx, db.Client, auth.Admin, "a", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Revoke(ctx, db.Client, k.ID); err != nil {
		t.Fatal(err)
	}
	first := db.Client.APIKey.GetX(ctx, k.ID).RevokedAt
	if first == nil {
		t.Fatal("revoked_at not set")
	}
	if err := auth.Revoke(ctx, db.Client, k.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if again := db.Client.APIKey.GetX(ctx, k.ID).RevokedAt; !again.Equal(*first) {
		t.Errorf("second revoke moved revoked_at from %v to %v", first, again)
	}
	if err := auth.Revoke(ctx, db.Client, k.ID+1000); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown id: err = %v, want NOT_FOUND", err)
	}
	keys, err := auth.List(ctx, db.Client)
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
		t.Fatalf("List = %v, %v", keys, err)
	}
}
