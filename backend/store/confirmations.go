package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ConfirmLookalike records that a person confirmed server after being shown
// what shown hashes.
func (s *Store) ConfirmLookalike(ctx context.Context, server, shown, by string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO lookalike_confirmations (server, shown, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server) DO UPDATE SET shown = excluded.shown, confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at`,
		server, shown, by, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// LookalikeConfirmed reports whether a person confirmed server as shown.
func (s *Store) LookalikeConfirmed(ctx context.Context, server, shown string) (bool, error) {
	var got string
	err := s.db.QueryRowContext(ctx, `SELECT shown FROM lookalike_confirmations WHERE server = ?`, server).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && got == shown, err
}
