package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Decisions on a hold.
const (
	Release = "release" // a person let the result through
	Refuse  = "refuse"  // a person refused it
	Expired = "expired" // nobody decided before the request ended
)

// ErrDecided is returned for a hold that was decided already.
var ErrDecided = errors.New("decided already")

// Hold is one result kept from a client until a person decides.
type Hold struct {
	ID        int64
	Server    string
	Subject   string // what is held, e.g. result of tool "fetch"
	Findings  string // JSON list of what the scanner found
	CreatedAt time.Time
	Decision  string // "" while pending
	DecidedBy string
}

// AddHold records a pending hold and returns its id.
func (s *Store) AddHold(ctx context.Context, h Hold) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO holds (server, subject, findings, created_at) VALUES (?, ?, ?, ?)`,
		h.Server, h.Subject, h.Findings, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Holds lists holds, newest first; pending only, or all.
func (s *Store) Holds(ctx context.Context, pendingOnly bool) ([]Hold, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, server, subject, findings, created_at, decision, decided_by
		FROM holds WHERE decision = '' OR NOT ? ORDER BY id DESC`, pendingOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// GetHold reads one hold.
func (s *Store) GetHold(ctx context.Context, id int64) (Hold, error) {
	h, err := scanHold(s.db.QueryRowContext(ctx, `SELECT id, server, subject, findings, created_at, decision, decided_by
		FROM holds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("hold %d: %w", id, ErrNotFound)
	}
	return h, err
}

// DecideHold records a decision on a pending hold: ErrNotFound for no such
// hold, ErrDecided if it was decided (or expired) before.
func (s *Store) DecideHold(ctx context.Context, id int64, decision, by string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE holds SET decision = ?, decided_by = ?, decided_at = ? WHERE id = ? AND decision = ''`,
		decision, by, time.Now().UTC().Format(time.RFC3339Nano), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.GetHold(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("hold %d: %w", id, ErrDecided)
}

func scanHold(row interface{ Scan(...any) error }) (Hold, error) {
	var h Hold
	var at string
	if err := row.Scan(&h.ID, &h.Server, &h.Subject, &h.Findings, &at, &h.Decision, &h.DecidedBy); err != nil {
		return h, err
	}
	var err error
	h.CreatedAt, err = time.Parse(time.RFC3339Nano, at)
	return h, err
}
