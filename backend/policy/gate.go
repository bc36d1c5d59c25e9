package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Gate decides each tool call: by rule, or by a person through the queue.
type Gate struct {
	Store    *store.Store
	Admin    Admin
	Queue    *Queue
	Settings func() Settings
}

// Call is one tools/call as the gateway received it.
type Call struct {
	Tool      Tool
	Arguments json.RawMessage
	ArgsHash  string // ArgsHash(Arguments)
	Client    string // who sent it: client name and version
	Session   string // the client session, for "allow for this session"
	Findings  string // JSON list of what the scanner found in the arguments
	// Ask puts a held call to the person through the client (MCP
	// elicitation) and returns their decision, or "" for none; nil when
	// the client cannot be asked.
	Ask func(ctx context.Context, held store.Approval) string
}

// Outcome is what became of a call.
type Outcome struct {
	Allowed    bool
	Arguments  json.RawMessage // what to forward: the arguments decided on
	Decision   string          // allow or deny by policy, or a held call's decision
	DecidedBy  string
	ApprovalID int64 // of the held call, if it was held
}

// Authorize decides a call, holding it for a person where policy asks.
func (g *Gate) Authorize(ctx context.Context, c Call) (Outcome, error) {
	rules, err := g.Store.Rules(ctx, c.Tool.Server)
	if err != nil {
		return Outcome{}, err
	}
	hash := c.ArgsHash
	v := Decide(g.Admin, rules, c.Tool, hash)
	switch {
	case v.Action == Allow:
		return Outcome{Allowed: true, Arguments: c.Arguments, Decision: "allow", DecidedBy: "policy: " + v.Why}, nil
	case v.Action == Deny:
		return Outcome{Decision: "deny", DecidedBy: "policy: " + v.Why}, nil
	case g.Queue.SessionAllows(c.Session, c.Tool.Server, c.Tool.Name):
		return Outcome{Allowed: true, Arguments: c.Arguments, Decision: store.AllowSession, DecidedBy: "a person, earlier in this session"}, nil
	}
	s := g.Settings()
	opts := HoldOptions{Timeout: s.ApprovalTimeout, KeepOrphans: s.KeepPendingOnRestart}
	if c.Ask != nil && s.AskInClient {
		askCtx, stopAsking := context.WithCancel(ctx)
		defer stopAsking() // someone decided: the question in the client is moot
		opts.OnHeld = func(held store.Approval) {
			go func() {
				if d := c.Ask(askCtx, held); d != "" && askCtx.Err() == nil {
					g.Queue.Decide(context.WithoutCancel(askCtx), held.ID, d, "a person, in "+c.Client)
				}
			}()
		}
	}
	a, err := g.Queue.Hold(ctx, store.Approval{Server: c.Tool.Server, Tool: c.Tool.Name, Arguments: c.Arguments, ArgsHash: hash,
		Client: c.Client, Session: c.Session, Reason: v.Why, Findings: c.Findings}, opts)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Allowed: store.Allowed(a.Decision), Decision: a.Decision, DecidedBy: a.DecidedBy, ApprovalID: a.ID}
	if out.Allowed {
		// The arguments the person saw, from the record, not the request.
		out.Arguments = a.Arguments
		if ArgsHash(a.Arguments) != hash {
			return Outcome{Decision: "deny", DecidedBy: "bulkhead: the held call's arguments changed", ApprovalID: a.ID}, nil
		}
	}
	return out, nil
}

// Denies reports whether the rules deny a call now, with why, without
// holding it for anyone: for a call allowed before, continued since.
func (g *Gate) Denies(ctx context.Context, c Call) (why string, denied bool, err error) {
	rules, err := g.Store.Rules(ctx, c.Tool.Server)
	if err != nil {
		return "bulkhead: the rules could not be read", true, err
	}
	if v := Decide(g.Admin, rules, c.Tool, c.ArgsHash); v.Action == Deny {
		return "policy: " + v.Why, true, nil
	}
	return "", false, nil
}

// Recover settles the calls left by gateways that ended (see
// Queue.Recover) and says so in the audit log.
func (g *Gate) Recover(ctx context.Context) (int, error) {
	keep := g.Settings().KeepPendingOnRestart
	settled, err := g.Queue.Recover(ctx, keep)
	for _, a := range settled {
		e := store.AuditEntry{At: a.CreatedAt, Client: a.Client, Server: a.Server, Tool: a.Tool, ArgsDigest: a.ArgsHash,
			Decision: a.Decision, DecidedBy: a.DecidedBy, ApprovalID: &a.ID, Status: "denied", Findings: a.Findings,
			Detail: "its gateway ended while the call was held; it was denied"}
		if keep {
			e.Decision, e.Status, e.Detail = "pending", "kept", "its gateway ended while the call was held; it stays pending for a person and a retry of the same call"
		}
		if aerr := g.Store.AddAudit(ctx, e); aerr != nil && err == nil {
			err = aerr
		}
	}
	return len(settled), err
}

// ArgsHash is the digest of a call's arguments: SHA-256 of their JSON with
// keys sorted, numbers as written; no arguments hash as {}. Arguments that
// decoding would change (a key given twice, text not UTF-8) hash as sent,
// so they never share a digest, and an exact rule, with those they decode to.
func ArgsHash(raw json.RawMessage) string {
	canonical := []byte("{}")
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if decodesFaithfully(raw) && dec.Decode(&v) == nil {
			canonical, _ = json.Marshal(v)
		} else {
			canonical = raw
		}
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// SetRule records a person's rule for a server or one of its tools ("").
func SetRule(ctx context.Context, st *store.Store, server, tool string, action Action, by string) error {
	return st.PutRule(ctx, store.Rule{Server: server, Tool: tool, Action: string(action), SetBy: by})
}
