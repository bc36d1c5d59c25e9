package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ImagePin is the image a person (or first use) approved for a server.
type ImagePin struct {
	Server     string
	Ref        string // the catalog reference, e.g. mcp/time:latest
	ID         string // the engine's image ID (sha256 of the image config)
	RepoDigest string // the registry manifest digest, when the image came from one
	ApprovedAt time.Time
	ApprovedBy string   // "first use" or who approved a change
	Volumes    []string // the paths the image declares as volumes
}

const pinColumns = `server, image_ref, image_id, repo_digest, approved_at, approved_by, volumes`

func scanPin(row interface{ Scan(...any) error }) (ImagePin, error) {
	var p ImagePin
	var at, volumes string
	if err := row.Scan(&p.Server, &p.Ref, &p.ID, &p.RepoDigest, &at, &p.ApprovedBy, &volumes); err != nil {
		return ImagePin{}, err
	}
	if err := json.Unmarshal([]byte(volumes), &p.Volumes); err != nil {
		return ImagePin{}, fmt.Errorf("image pin of %s: volumes: %w", p.Server, err)
	}
	var err error
	p.ApprovedAt, err = time.Parse(time.RFC3339Nano, at)
	return p, err
}

// ImagePin returns the pin for server, or ErrNotFound.
func (s *Store) ImagePin(ctx context.Context, server string) (ImagePin, error) {
	p, err := scanPin(s.db.QueryRowContext(ctx, `SELECT `+pinColumns+` FROM image_pins WHERE server = ?`, server))
	if errors.Is(err, sql.ErrNoRows) {
		return ImagePin{}, ErrNotFound
	}
	return p, err
}

// ImagePins lists every pin, by server name.
func (s *Store) ImagePins(ctx context.Context) ([]ImagePin, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+pinColumns+` FROM image_pins ORDER BY server`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pins []ImagePin
	for rows.Next() {
		p, err := scanPin(rows)
		if err != nil {
			return nil, err
		}
		pins = append(pins, p)
	}
	return pins, rows.Err()
}

// SaveImagePin records (or replaces) the pin for p.Server.
func (s *Store) SaveImagePin(ctx context.Context, p ImagePin) error {
	if p.ApprovedAt.IsZero() {
		p.ApprovedAt = time.Now()
	}
	volumes, _ := json.Marshal(append([]string{}, p.Volumes...))
	_, err := s.db.ExecContext(ctx, `INSERT INTO image_pins (`+pinColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (server) DO UPDATE SET image_ref = excluded.image_ref, image_id = excluded.image_id,
			repo_digest = excluded.repo_digest, approved_at = excluded.approved_at, approved_by = excluded.approved_by,
			volumes = excluded.volumes`,
		p.Server, p.Ref, p.ID, p.RepoDigest, p.ApprovedAt.UTC().Format(time.RFC3339Nano), p.ApprovedBy, string(volumes))
	return err
}
