package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Definition kinds.
const (
	KindTool             = "tool"
	KindPrompt           = "prompt"
	KindResourceTemplate = "resource-template"
	KindResource         = "resource"
	KindInstructions     = "instructions"
	KindServerInfo       = "server-info" // the server's title, description, website and icons
	KindLaunch           = "launch"
	// KindReviewed marks which kinds a server's definitions were reviewed
	// for (trust.ReviewDefinitions), so a kind reviewed for the first time
	// is told from one a server newly offers.
	KindReviewed = "reviewed-kinds"
)

// DefinitionPin is the approved version of one definition of a server.
type DefinitionPin struct {
	Server, Kind, Name string
	Hash               string // hex SHA-256 of the canonical JSON
	Definition         string // the canonical JSON, for diffs
	Scheme             int    // the canonical scheme that made Hash (the trust package's)
	ApprovedAt         time.Time
	ApprovedBy         string // "first use" or who approved it
}

// DefinitionChange is a version of a definition that is withheld.
type DefinitionChange struct {
	Server, Kind, Name string
	Hash               string
	Definition         string
	Scheme             int    // the canonical scheme that made Hash
	Reason             string // new, changed or flagged
	Findings           string // the scanner's findings, JSON
	SeenAt             time.Time
}

// DefinitionPins returns a server's pins, by kind and name.
func (s *Store) DefinitionPins(ctx context.Context, server string) ([]DefinitionPin, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT server, kind, name, hash, definition, scheme, approved_at, approved_by
		FROM definition_pins WHERE server = ? ORDER BY kind, name`, server)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pins []DefinitionPin
	for rows.Next() {
		var p DefinitionPin
		var at string
		if err := rows.Scan(&p.Server, &p.Kind, &p.Name, &p.Hash, &p.Definition, &p.Scheme, &at, &p.ApprovedBy); err != nil {
			return nil, err
		}
		if p.ApprovedAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, err
		}
		pins = append(pins, p)
	}
	return pins, rows.Err()
}

// PinDefinitions records pins, replacing earlier versions, and drops any
// withheld change they settle: all or none.
func (s *Store) PinDefinitions(ctx context.Context, pins ...DefinitionPin) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, p := range pins {
		if err := pinIn(ctx, tx, p); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func pinIn(ctx context.Context, tx *sql.Tx, p DefinitionPin) error {
	if p.ApprovedAt.IsZero() {
		p.ApprovedAt = time.Now()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO definition_pins (server, kind, name, hash, definition, scheme, approved_at, approved_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (server, kind, name) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
			scheme = excluded.scheme, approved_at = excluded.approved_at, approved_by = excluded.approved_by`,
		p.Server, p.Kind, p.Name, p.Hash, p.Definition, p.Scheme, p.ApprovedAt.UTC().Format(time.RFC3339Nano), p.ApprovedBy); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM definition_changes WHERE server = ? AND kind = ? AND name = ? AND hash = ?`,
		p.Server, p.Kind, p.Name, p.Hash)
	return err
}

// WithholdDefinition records (or updates) a withheld version.
func (s *Store) WithholdDefinition(ctx context.Context, c DefinitionChange) error {
	if c.SeenAt.IsZero() {
		c.SeenAt = time.Now()
	}
	if c.Findings == "" {
		c.Findings = "[]"
	}
	// A version approved meanwhile (by another process, between this
	// one's review and now) is not withheld again: one statement checks
	// and records.
	_, err := s.db.ExecContext(ctx, `INSERT INTO definition_changes (server, kind, name, hash, definition, scheme, reason, findings, seen_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM definition_pins WHERE server = ? AND kind = ? AND name = ? AND hash = ?)
		ON CONFLICT (server, kind, name) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
			scheme = excluded.scheme, reason = excluded.reason, findings = excluded.findings,
			seen_at = CASE WHEN definition_changes.hash = excluded.hash THEN definition_changes.seen_at ELSE excluded.seen_at END`,
		c.Server, c.Kind, c.Name, c.Hash, c.Definition, c.Scheme, c.Reason, c.Findings, c.SeenAt.UTC().Format(time.RFC3339Nano),
		c.Server, c.Kind, c.Name, c.Hash)
	return err
}

// ForgetDefinitionChange drops a withheld version the server no longer offers.
func (s *Store) ForgetDefinitionChange(ctx context.Context, server, kind, name string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM definition_changes WHERE server = ? AND kind = ? AND name = ?`, server, kind, name)
	return err
}

// DefinitionChanges lists withheld versions, of one server or ("") all.
func (s *Store) DefinitionChanges(ctx context.Context, server string) ([]DefinitionChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT server, kind, name, hash, definition, scheme, reason, findings, seen_at
		FROM definition_changes WHERE ? = '' OR server = ? ORDER BY server, kind, name`, server, server)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DefinitionChange
	for rows.Next() {
		var c DefinitionChange
		var at string
		if err := rows.Scan(&c.Server, &c.Kind, &c.Name, &c.Hash, &c.Definition, &c.Scheme, &c.Reason, &c.Findings, &at); err != nil {
			return nil, err
		}
		if c.SeenAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ErrChangedAgain refuses an approval of a version that is no longer the
// one withheld: what a person looked at is what gets approved, or nothing.
var ErrChangedAgain = errors.New("the definition changed again since it was shown")

// ApproveDefinition pins the withheld version whose hash is hash.
func (s *Store) ApproveDefinition(ctx context.Context, server, kind, name, hash, by string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var current, def string
	var scheme int
	err = tx.QueryRowContext(ctx, `SELECT hash, definition, scheme FROM definition_changes WHERE server = ? AND kind = ? AND name = ?`,
		server, kind, name).Scan(&current, &def, &scheme)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %s of server %q: %w", kind, name, server, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if current != hash {
		return fmt.Errorf("%s %s of server %q: %w", kind, name, server, ErrChangedAgain)
	}
	if err := pinIn(ctx, tx, DefinitionPin{Server: server, Kind: kind, Name: name, Hash: hash, Definition: def, Scheme: scheme, ApprovedBy: by}); err != nil {
		return err
	}
	return tx.Commit()
}

// PinsVersion changes whenever a definition pin is added or replaced.
func (s *Store) PinsVersion(ctx context.Context) (string, error) {
	var n int
	var latest string
	err := s.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(approved_at), '') FROM definition_pins`).Scan(&n, &latest)
	return fmt.Sprintf("%d@%s", n, latest), err
}
