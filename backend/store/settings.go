package store

import (
	"context"
	"database/sql"
	"errors"
)

// Setting reads a setting; ok is false when it was never set.
func (s *Store) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// PutSetting sets a setting.
func (s *Store) PutSetting(ctx context.Context, key, value, by string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value, set_by, set_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at`, key, value, by, now())
	return err
}
