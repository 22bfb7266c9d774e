package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"entgo.io/ent/dialect"

	"launchgraph/internal/store"
)

// SQLLog records the SQL statements a store runs through ent (transaction begins and
// commits apart), for tests that count or read them: pass its Wrap to Postgres or SQLite.
type SQLLog struct {
	mu  sync.Mutex
	sql []string
}

// Wrap is a store option that logs every statement into l.
func (l *SQLLog) Wrap(c *store.Config) {
	c.WrapDriver = func(d dialect.Driver) dialect.Driver {
		return dialect.DebugWithContext(d, func(_ context.Context, args ...any) {
			line := fmt.Sprint(args...)
			if strings.Contains(line, ".Query: ") || strings.Contains(line, ".Exec: ") {
				l.mu.Lock()
				l.sql = append(l.sql, line)
				l.mu.Unlock()
			}
		})
	}
}

// Take returns the statements logged since the last Take and forgets them.
func (l *SQLLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sql
	l.sql = nil
	return out
}
