package store

import (
	"context"
	"database/sql"
	"time"
)

// execer is a database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// now is the time as stored: UTC, RFC 3339 with nanoseconds, so text order
// is time order.
func now() string { return formatTime(time.Now()) }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseTime reads a stored time; "" is the zero time.
func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// sqlLimit is a LIMIT value: n, or -1 (no limit) for n <= 0.
func sqlLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
