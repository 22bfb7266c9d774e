package store_test

import (
	"context"
	"testing"

	"launchgraph/internal/store/storetest"
)

// TestPostgresSessionDefaults: every pooled connection bounds runaway statements and idle
// transactions, speaks UTC, and prices random reads for cached data.
func TestPostgresSessionDefaults(t *testing.T) {
	db := storetest.Postgres(t)
	for setting, want := range map[string]string{
		"statement_timeout":                   "30s",
		"idle_in_transaction_session_timeout": "1min",
		"TimeZone":                            "UTC",
		"random_page_cost":                    "1.1",
	} {
		var got string
		if err := db.SQL.QueryRowContext(context.Background(), "SHOW "+setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
}
