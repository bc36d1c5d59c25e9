package store

import (
	"context"
	"time"
)

// Rule is what a person decided a server's tools may do.
type Rule struct {
	Server   string
	Tool     string // "" for every tool of the server
	ArgsHash string // "" for any arguments
	Action   string // allow, ask, deny
	SetBy    string
	SetAt    time.Time
}

// PutRule sets or replaces a rule.
func (s *Store) PutRule(ctx context.Context, r Rule) error {
	return putRule(ctx, s.db, r)
}

func putRule(ctx context.Context, db execer, r Rule) error {
	_, err := db.ExecContext(ctx, `INSERT INTO policy_rules (server, tool, args_hash, action, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (server, tool, args_hash) DO UPDATE SET action = excluded.action, set_by = excluded.set_by, set_at = excluded.set_at`,
		r.Server, r.Tool, r.ArgsHash, r.Action, r.SetBy, now())
	return err
}

// DeleteRule removes a rule; ErrNotFound if there was none.
func (s *Store) DeleteRule(ctx context.Context, server, tool, argsHash string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM policy_rules WHERE server = ? AND tool = ? AND args_hash = ?`, server, tool, argsHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Rules lists the rules of a server, or of all ("").
func (s *Store) Rules(ctx context.Context, server string) ([]Rule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT server, tool, args_hash, action, set_by, set_at FROM policy_rules
		WHERE ? = '' OR server = ? ORDER BY server, tool, args_hash`, server, server)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		var r Rule
		var at string
		if err := rows.Scan(&r.Server, &r.Tool, &r.ArgsHash, &r.Action, &r.SetBy, &at); err != nil {
			return nil, err
		}
		r.SetAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
