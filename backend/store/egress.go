package store

import (
	"context"
	"time"
)

// EgressEvent is one connection a server's egress proxy allowed or refused.
type EgressEvent struct {
	ID      int64     `json:"id"`
	Server  string    `json:"server"`
	At      time.Time `json:"at"`
	Method  string    `json:"method"`
	Host    string    `json:"host"`
	Port    int       `json:"port"`
	Address string    `json:"address,omitempty"` // the address dialed, when one was
	Allowed bool      `json:"allowed"`
	Reason  string    `json:"reason,omitempty"`
}

// AddEgressEvent records one event.
func (s *Store) AddEgressEvent(ctx context.Context, e EgressEvent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO egress_events (server, at, method, host, port, address, allowed, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Server, formatTime(e.At), e.Method, e.Host, e.Port, e.Address, e.Allowed, e.Reason)
	return err
}

// EgressEvents lists the newest limit events (0: all), of one server or all (""),
// oldest first.
func (s *Store) EgressEvents(ctx context.Context, server string, limit int) ([]EgressEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, server, at, method, host, port, address, allowed, reason FROM (
		SELECT * FROM egress_events WHERE ? = '' OR server = ? ORDER BY id DESC LIMIT ?) ORDER BY id`, server, server, sqlLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EgressEvent
	for rows.Next() {
		var e EgressEvent
		var at string
		if err := rows.Scan(&e.ID, &e.Server, &at, &e.Method, &e.Host, &e.Port, &e.Address, &e.Allowed, &e.Reason); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
