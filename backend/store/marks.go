package store

import "context"

// Marks change whenever what they cover changes, in any process sharing
// the state: watchers compare them instead of re-reading everything.
type Marks struct {
	Approvals string // a call held or decided
	Audit     int64  // a call recorded
	Changes   string // a definition withheld, approved or pinned
	Egress    int64  // a connection allowed or refused
}

// Marks reads the current marks in one query.
func (s *Store) Marks(ctx context.Context) (Marks, error) {
	var m Marks
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(max(id), 0) || '/' || count(*) FILTER (WHERE decision = '') FROM approvals),
		(SELECT COALESCE(max(id), 0) FROM audit),
		(SELECT count(*) || '@' || COALESCE(max(seen_at), '') FROM definition_changes) || ' ' ||
		(SELECT count(*) || '@' || COALESCE(max(approved_at), '') FROM definition_pins),
		(SELECT COALESCE(max(id), 0) FROM egress_events)`).Scan(&m.Approvals, &m.Audit, &m.Changes, &m.Egress)
	return m, err
}
