package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Decisions on a held call.
const (
	AllowOnce        = "allow_once"         // this call
	AllowSession     = "allow_session"      // this tool, for the client session that asked
	AllowAlways      = "allow_always"       // this tool, from now on (a rule)
	AllowAlwaysExact = "allow_always_exact" // this tool with these exact arguments, from now on
	Deny             = "deny"               // a person declined
	TimedOut         = "timeout"            // nobody decided in time: denied
	Abandoned        = "abandoned"          // its gateway ended before a decision: denied
)

// Approval is one tool call held for a person.
type Approval struct {
	ID        int64
	Owner     string // the gateway process waiting on it
	Server    string
	Tool      string
	Arguments json.RawMessage // "" once the call is over
	ArgsHash  string
	Client    string
	Session   string
	Reason    string
	Findings  string // JSON list of scanner findings
	CreatedAt time.Time
	Deadline  time.Time
	Decision  string // "" while pending
	DecidedBy string
	DecidedAt time.Time
}

// Allowed reports whether a decision lets the call through.
func Allowed(decision string) bool {
	switch decision {
	case AllowOnce, AllowSession, AllowAlways, AllowAlwaysExact:
		return true
	}
	return false
}

// AddApproval records a pending held call and returns its id.
func (s *Store) AddApproval(ctx context.Context, a Approval) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO approvals (owner, server, tool, arguments, args_hash, client, session, reason, findings, created_at, deadline)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Owner, a.Server, a.Tool, string(a.Arguments), a.ArgsHash, a.Client, a.Session, a.Reason, orEmptyList(a.Findings), now(), formatTime(a.Deadline))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

const approvalColumns = `id, owner, server, tool, arguments, args_hash, client, session, reason, findings, created_at, deadline, decision, decided_by, decided_at`

// Approvals lists held calls, newest first: pending only, or all (at most
// limit, 0 for no limit).
func (s *Store) Approvals(ctx context.Context, pendingOnly bool, limit int) ([]Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals
		WHERE decision = '' OR NOT ? ORDER BY id DESC LIMIT ?`, pendingOnly, sqlLimit(limit))
	if err != nil {
		return nil, err
	}
	return collectApprovals(rows)
}

// DecidedAmong returns those of ids that have been decided.
func (s *Store) DecidedAmong(ctx context.Context, ids []int64) ([]Approval, error) {
	list, _ := json.Marshal(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals
		WHERE decision != '' AND id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	return collectApprovals(rows)
}

// GetApproval reads one held call.
func (s *Store) GetApproval(ctx context.Context, id int64) (Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, id)
	if err != nil {
		return Approval{}, err
	}
	as, err := collectApprovals(rows)
	if err != nil {
		return Approval{}, err
	}
	if len(as) == 0 {
		return Approval{}, fmt.Errorf("held call %d: %w", id, ErrNotFound)
	}
	return as[0], nil
}

// DecideApproval records a decision on a pending call, once: ErrNotFound
// for no such call, ErrDecided if it was decided before (by a person, a
// timeout or its gateway ending). "Always" decisions set their rule in the
// same transaction, so the rule exists exactly when the decision does.
func (s *Store) DecideApproval(ctx context.Context, id int64, decision, by string) (Approval, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Approval{}, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE approvals SET decision = ?, decided_by = ?, decided_at = ? WHERE id = ? AND decision = ''`,
		decision, by, now(), id)
	if err != nil {
		return Approval{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		tx.Rollback()
		a, err := s.GetApproval(ctx, id)
		if err != nil {
			return a, err
		}
		return a, fmt.Errorf("held call %d: %w (%s by %s)", id, ErrDecided, a.Decision, a.DecidedBy)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, id)
	if err != nil {
		return Approval{}, err
	}
	as, err := collectApprovals(rows)
	if err != nil {
		return Approval{}, err
	}
	a := as[0]
	switch decision {
	case AllowAlways:
		err = putRule(ctx, tx, Rule{Server: a.Server, Tool: a.Tool, Action: "allow", SetBy: by})
	case AllowAlwaysExact:
		err = putRule(ctx, tx, Rule{Server: a.Server, Tool: a.Tool, ArgsHash: a.ArgsHash, Action: "allow", SetBy: by})
	}
	if err != nil {
		return Approval{}, err
	}
	return a, tx.Commit()
}

// ForgetArguments empties a finished call's arguments: only the digest
// stays, as in the audit log.
func (s *Store) ForgetArguments(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE approvals SET arguments = '' WHERE id = ? AND decision != ''`, id)
	return err
}

// PendingOwners lists the gateway processes with calls pending.
func (s *Store) PendingOwners(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT owner FROM approvals WHERE decision = ''`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// PendingOf lists the calls still pending that owner was waiting on.
func (s *Store) PendingOf(ctx context.Context, owner string) ([]Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE decision = '' AND owner = ? ORDER BY id`, owner)
	if err != nil {
		return nil, err
	}
	return collectApprovals(rows)
}

// Adopt moves a pending call to a new owner (a gateway that took over).
func (s *Store) Adopt(ctx context.Context, id int64, owner string, deadline time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE approvals SET owner = ?, deadline = ? WHERE id = ? AND decision = ''`, owner, formatTime(deadline), id)
	return err
}

func collectApprovals(rows *sql.Rows) ([]Approval, error) {
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var a Approval
		var args, created, deadline, decided string
		if err := rows.Scan(&a.ID, &a.Owner, &a.Server, &a.Tool, &args, &a.ArgsHash, &a.Client, &a.Session, &a.Reason, &a.Findings,
			&created, &deadline, &a.Decision, &a.DecidedBy, &decided); err != nil {
			return nil, err
		}
		if args != "" {
			a.Arguments = json.RawMessage(args)
		}
		a.CreatedAt, a.Deadline, a.DecidedAt = parseTime(created), parseTime(deadline), parseTime(decided)
		out = append(out, a)
	}
	return out, rows.Err()
}

func orEmptyList(s string) string {
	if s == "" {
		return "[]"
	}
	return s
}
