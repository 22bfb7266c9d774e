package store

import (
	"context"
	"fmt"
)

// MigrateTo applies the embedded migrations up to and including version (tests of data
// migrations insert rows as an older version left them).
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.migrationProvider()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate %s to %d: %w", db.Dialect, version, err)
	}
	return nil
}
