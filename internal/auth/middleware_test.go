package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"launchgraph/internal/auth"
	"launchgraph/internal/store/storetest"
)

func TestMiddleware(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	partner, row, err := auth.Create(ctx, db.Client, auth.Partner, "site", 0)
	if err != nil {
		t.Fatal(err)
	}
	revoked, revokedRow, err := auth.Create(ctx, db.Client, auth.Admin, "gone", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Revoke(ctx, db.Client, revokedRow.ID); err != nil {
		t.Fatal(err)
	}
	expired, expiredRow, err := auth.Create(ctx, db.Client, auth.Admin, "temp", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	db.Client.APIKey.UpdateOne(expiredRow).SetExpiresAt(time.Now().Add(-time.Minute)).ExecX(ctx)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var got *auth.Viewer
	h := auth.Middleware(db.Client, logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := auth.ViewerFrom(r.Context())
		if !ok {
			t.Error("no viewer in the request context")
		}
		got = &v
	}))

	tests := []struct {
		name    string
		headers []string
		want    *auth.Viewer // nil: refused with 401
		message string
	}{
		{"no header", nil, &auth.Viewer{Role: auth.Public}, ""},
		{"partner key", []string{"Bearer " + partner}, &auth.Viewer{Role: auth.Partner, KeyID: row.ID, KeyName: "site"}, ""},
		{"scheme is case-insensitive", []string{"bearer " + partner}, &auth.Viewer{Role: auth.Partner, KeyID: row.ID, KeyName: "site"}, ""},
		{"revoked key", []string{"Bearer " + revoked}, nil, "API key revoked"},
		{"expired key", []string{"Bearer " + expired}, nil, "API key expired"},
		{"unknown key", []string{"Bearer " + auth.KeyPrefix + strings.Repeat("Q", 42) + "A"}, nil, "unknown API key"},
		{"malformed key", []string{"Bearer secret"}, nil, "malformed API key"},
		{"basic auth", []string{"Basic dXNlcjpwYXNz"}, nil, `the Authorization header must be "Bearer <API key>"`},
		{"bearer without key", []string{"Bearer "}, nil, `the Authorization header must be "Bearer <API key>"`},
		{"empty header", []string{""}, nil, `the Authorization header must be "Bearer <API key>"`},
		{"two headers", []string{"Bearer " + partner, "Bearer " + partner}, nil, `the Authorization header must be "Bearer <API key>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tt.want != nil {
				if rec.Code != http.StatusOK || got == nil || *got != *tt.want {
					t.Fatalf("status %d, viewer %+v; want 200 and %+v", rec.Code, got, *tt.want)
				}
				return
			}
			if got != nil {
				t.Fatalf("handler ran with viewer %+v, want it not to run", *got)
			}
			if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("status %d, WWW-Authenticate %q; want 401 and a Bearer challenge", rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
			var body struct {
				Errors []struct {
					Message    string
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
				t.Fatalf("body %s: want one GraphQL error (%v)", rec.Body, err)
			}
			e := body.Errors[0]
			if !strings.HasPrefix(e.Message, tt.message) || e.Extensions["code"] != "UNAUTHENTICATED" {
				t.Fatalf("error %+v, want %q with code UNAUTHENTICATED", e, tt.message)
			}
		})
	}
	for _, key := range []string{partner, revoked, expired, partner[len(auth.KeyPrefix):]} {
		if strings.Contains(logs.String(), key) {
			t.Fatalf("a key appears in the logs:\n%s", logs.String())
		}
	}
}
