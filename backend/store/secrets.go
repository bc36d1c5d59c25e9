package store

import (
	"context"
	"time"
)

// SealedSecret is a secret as stored: its value encrypted.
type SealedSecret struct {
	Server    string
	Name      string
	Sealed    []byte
	UpdatedAt time.Time
}

// PutSecret stores or replaces a sealed secret.
func (s *Store) PutSecret(ctx context.Context, sec SealedSecret) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO secrets (server, name, sealed, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
		sec.Server, sec.Name, sec.Sealed, now())
	return err
}

// Secrets lists the sealed secrets of a server, or of all ("").
func (s *Store) Secrets(ctx context.Context, server string) ([]SealedSecret, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT server, name, sealed, updated_at FROM secrets WHERE ? = '' OR server = ? ORDER BY server, name`, server, server)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SealedSecret
	for rows.Next() {
		var sec SealedSecret
		var at string
		if err := rows.Scan(&sec.Server, &sec.Name, &sec.Sealed, &at); err != nil {
			return nil, err
		}
		sec.UpdatedAt = parseTime(at)
		out = append(out, sec)
	}
	return out, rows.Err()
}

// DeleteSecret removes a secret; ErrNotFound if there was none.
func (s *Store) DeleteSecret(ctx context.Context, server, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM secrets WHERE server = ? AND name = ?`, server, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
