package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SetEnabled turns a server (tool "") or one of its tools on or off.
func (s *Store) SetEnabled(ctx context.Context, server, tool string, enabled bool) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO toggles (server, tool, enabled, changed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server, tool) DO UPDATE SET enabled = excluded.enabled, changed_at = excluded.changed_at`,
		server, tool, enabled, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// Toggles is the enabled state of servers and tools.
type Toggles struct {
	Servers       map[string]bool            // server -> enabled
	DisabledTools map[string]map[string]bool // server -> tool -> true
}

// EnabledServers lists the enabled servers, by name.
func (t Toggles) EnabledServers() []string {
	var out []string
	for s, on := range t.Servers {
		if on {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// ToolDisabled reports whether a tool is hidden.
func (t Toggles) ToolDisabled(server, tool string) bool { return t.DisabledTools[server][tool] }

// TogglesVersion changes whenever a toggle does, in any process.
func (s *Store) TogglesVersion(ctx context.Context) (string, error) {
	var n int
	var latest string
	err := s.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(changed_at), '') FROM toggles`).Scan(&n, &latest)
	return fmt.Sprintf("%d@%s", n, latest), err
}

// Toggles reads every toggle.
func (s *Store) Toggles(ctx context.Context) (Toggles, error) {
	t := Toggles{Servers: map[string]bool{}, DisabledTools: map[string]map[string]bool{}}
	rows, err := s.db.QueryContext(ctx, `SELECT server, tool, enabled FROM toggles`)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var server, tool string
		var on bool
		if err := rows.Scan(&server, &tool, &on); err != nil {
			return t, err
		}
		switch {
		case tool == "":
			t.Servers[server] = on
		case !on:
			if t.DisabledTools[server] == nil {
				t.DisabledTools[server] = map[string]bool{}
			}
			t.DisabledTools[server][tool] = true
		}
	}
	return t, rows.Err()
}
