package registration

import (
	"fmt"
	"time"
)

// dbTime scans a timestamp that a driver may return as time.Time (PostgreSQL) or as text
// (SQLite, for an expression column without a declared type); NULL leaves it invalid.
type dbTime struct {
	Time  time.Time
	Valid bool
}

// sqliteTimeLayouts are the formats modernc.org/sqlite writes (_time_format=sqlite) and
// reads.
var sqliteTimeLayouts = [...]string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{Time: x, Valid: true}
		return nil
	case []byte:
		return t.Scan(string(x))
	case string:
		for _, layout := range sqliteTimeLayouts {
			if tm, err := time.Parse(layout, x); err == nil {
				*t = dbTime{Time: tm, Valid: true}
				return nil
			}
		}
		return fmt.Errorf("registration: unreadable time %q", x)
	}
	return fmt.Errorf("registration: cannot scan %T into a time", v)
}

// ptr returns the time, or nil for NULL.
func (t dbTime) ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	tm := t.Time
	return &tm
}

// dbBool scans a boolean that a driver may return as bool (PostgreSQL) or as an integer
// (SQLite).
type dbBool bool

// Scan implements sql.Scanner.
func (b *dbBool) Scan(v any) error {
	switch x := v.(type) {
	case bool:
		*b = dbBool(x)
	case int64:
		*b = x != 0
	case nil:
		*b = false
	default:
		return fmt.Errorf("registration: cannot scan %T into a bool", v)
	}
	return nil
}
