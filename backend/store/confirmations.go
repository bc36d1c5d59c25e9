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

// RecordSignatureCheck remembers that the image imageID, fetched as
// repoDigest, carries a signature meeting requirement (a hash).
func (s *Store) RecordSignatureCheck(ctx context.Context, imageID, requirement, repoDigest string) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO signature_checks (image_id, requirement, repo_digest, checked_at) VALUES (?, ?, ?, ?)`,
		imageID, requirement, repoDigest, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// SignatureChecked reports whether imageID was verified against requirement.
func (s *Store) SignatureChecked(ctx context.Context, imageID, requirement string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM signature_checks WHERE image_id = ? AND requirement = ?`, imageID, requirement).Scan(&n)
	return n > 0, err
}
