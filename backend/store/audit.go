package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// AuditEntry is one tool call as decided and answered.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Client     string    `json:"client"`
	Server     string    `json:"server"`
	Tool       string    `json:"tool"`
	ArgsDigest string    `json:"argsDigest"`
	Arguments  *string   `json:"arguments,omitempty"` // nil unless the user enabled recording values
	Decision   string    `json:"decision"`            // allow, deny, or a person's decision on a held call
	DecidedBy  string    `json:"decidedBy"`           // "policy: ..." or who decided
	ApprovalID *int64    `json:"approvalId,omitempty"`
	LatencyMS  int64     `json:"latencyMs"`
	Status     string    `json:"status"` // ok, error, denied
	Detail     string    `json:"detail"`
	Findings   string    `json:"findings"` // JSON list
}

// AddAudit records one call.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit (at, client, server, tool, args_digest, arguments, decision, decided_by, approval_id, latency_ms, status, detail, findings)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		formatTime(at), e.Client, e.Server, e.Tool, e.ArgsDigest, e.Arguments, e.Decision, e.DecidedBy, e.ApprovalID,
		e.LatencyMS, e.Status, e.Detail, orEmptyList(e.Findings))
	return err
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	Server   string
	Tool     string
	Client   string
	Decision string
	Status   string
	Since    time.Time
	Until    time.Time
	Limit    int // the newest Limit; 0 for all
}

// Audit lists entries matching f, oldest first.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	for col, v := range map[string]string{"server": f.Server, "tool": f.Tool, "client": f.Client, "decision": f.Decision, "status": f.Status} {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, formatTime(f.Until))
	}
	q := `SELECT id, at, client, server, tool, args_digest, arguments, decision, decided_by, approval_id, latency_ms, status, detail, findings FROM audit`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q = `SELECT * FROM (` + q + ` ORDER BY id DESC LIMIT ?) ORDER BY id`
	rows, err := s.db.QueryContext(ctx, q, append(args, sqlLimit(f.Limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		var arguments sql.NullString
		var approval sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &e.Client, &e.Server, &e.Tool, &e.ArgsDigest, &arguments, &e.Decision, &e.DecidedBy,
			&approval, &e.LatencyMS, &e.Status, &e.Detail, &e.Findings); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		if arguments.Valid {
			e.Arguments = &arguments.String
		}
		if approval.Valid {
			e.ApprovalID = &approval.Int64
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneAudit removes audit entries, egress events and finished held calls
// older than before, and says how many rows went.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	cut := formatTime(before)
	var total int64
	for _, q := range []string{
		`DELETE FROM audit WHERE at < ?`,
		`DELETE FROM egress_events WHERE at < ?`,
		`DELETE FROM approvals WHERE decision != '' AND created_at < ?`,
	} {
		res, err := s.db.ExecContext(ctx, q, cut)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
