package main

import (
	"io"
	"testing"

	"launchgraph/internal/store"
)

// TestStatementCacheConfig: DB_STATEMENT_CACHE_SIZE sizes the PostgreSQL statement cache,
// 0 turns it off, anything else is refused.
func TestStatementCacheConfig(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    int
		wantErr bool
	}{
		{name: "unset", want: store.DefaultStatementCacheSize},
		{name: "off", value: "0", want: 0},
		{name: "sized", value: "32", want: 32},
		{name: "negative", value: "-1", wantErr: true},
		{name: "not a number", value: "many", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"DATA_DIR": t.TempDir()}
			if tt.value != "" {
				env["DB_STATEMENT_CACHE_SIZE"] = tt.value
			}
			cfg, err := loadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DB_STATEMENT_CACHE_SIZE=%q: no error", tt.value)
				}
				return
			}
			if err != nil || cfg.StatementCacheSize != tt.want {
				t.Fatalf("DB_STATEMENT_CACHE_SIZE=%q: %d, %v; want %d", tt.value, cfg.StatementCacheSize, err, tt.want)
			}
		})
	}
}
