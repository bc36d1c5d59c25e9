package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// codeDeclined answers a call that policy or a person did not allow.
const codeDeclined = -32012

// toolFacts is what the trust layer knows of a shown tool, for policy.
type toolFacts struct {
	approvedByPerson bool // a person approved this version of its definition
}

// call is one tools/call on its way through the gateway.
type call struct {
	policy.Call
	start time.Time
}

func (g *Gateway) newCall(d *downstream, t *mcp.Tool, req *mcp.CallToolRequest) call {
	g.mu.Lock()
	facts := d.toolFacts[t.Name]
	g.mu.Unlock()
	readOnly, destructive := false, true // the spec's defaults
	if a := t.Annotations; a != nil {
		readOnly = a.ReadOnlyHint
		if a.DestructiveHint != nil {
			destructive = *a.DestructiveHint
		}
	}
	args := req.Params.Arguments
	var findings []scan.Finding
	for _, f := range scan.Output(string(args), g.opts.Secrets) {
		if f.Severity >= scan.Medium {
			findings = append(findings, f)
		}
	}
	found := []byte("[]")
	if len(findings) > 0 {
		found, _ = json.Marshal(findings)
	}
	return call{start: time.Now(), Call: policy.Call{
		Tool: policy.Tool{Server: d.name, Name: t.Name, Approved: facts.approvedByPerson || g.opts.Verified(d.name),
			ReadOnly: readOnly, Destructive: destructive},
		Arguments: args,
		ArgsHash:  policy.ArgsHash(args),
		Client:    clientOf(req.Session),
		Session:   g.sessionOf(req.Session),
		Findings:  string(found),
		Ask:       asker(req.Session),
	}}
}

// authorize asks the gate; without one every call is allowed.
func (g *Gateway) authorize(ctx context.Context, c call) (policy.Outcome, error) {
	if g.opts.Gate == nil {
		return policy.Outcome{Allowed: true, Arguments: c.Arguments, Decision: "allow", DecidedBy: "no policy configured"}, nil
	}
	return g.opts.Gate.Authorize(ctx, c.Call)
}

func clientOf(ss *mcp.ServerSession) string {
	if ss == nil {
		return "unknown client"
	}
	if p := ss.InitializeParams(); p != nil && p.ClientInfo != nil {
		return p.ClientInfo.Name + " " + p.ClientInfo.Version
	}
	return "unknown client"
}

// sessionOf names a client session, unique across gateway processes.
func (g *Gateway) sessionOf(ss *mcp.ServerSession) string {
	id := "stdio"
	if ss != nil && ss.ID() != "" {
		id = ss.ID()
	}
	return g.opts.Instance + "/" + id
}

// declined is the error a client gets for a call that was not allowed.
func declined(d *downstream, tool string, out policy.Outcome) error {
	var msg string
	switch {
	case out.ApprovalID == 0: // decided by rule, never held
		msg = fmt.Sprintf("Bulkhead's policy denies tool %q of server %q (%s); a person can change it with `bulkhead policy set %s/%s allow|ask`",
			tool, d.name, trimBy(out.DecidedBy), d.name, tool)
	case out.Decision == store.TimedOut:
		msg = fmt.Sprintf("the call to tool %q of server %q was denied: it waited for a person's approval and %s (held call %d)", tool, d.name, trimBy(out.DecidedBy), out.ApprovalID)
	case out.Decision == store.Abandoned:
		msg = fmt.Sprintf("the call to tool %q of server %q was denied: %s (held call %d)", tool, d.name, trimBy(out.DecidedBy), out.ApprovalID)
	default:
		msg = fmt.Sprintf("a person declined this call to tool %q of server %q (held call %d, declined by %s)", tool, d.name, out.ApprovalID, out.DecidedBy)
	}
	return &jsonrpc.Error{Code: codeDeclined, Message: msg}
}

// trimBy drops the "policy: " or "bulkhead: " a decider is marked with.
func trimBy(by string) string {
	return strings.TrimPrefix(strings.TrimPrefix(by, "policy: "), "bulkhead: ")
}

// audit records a finished call. A failure to record is logged: the call
// has happened and is not undone.
func (g *Gateway) audit(c call, out policy.Outcome, status string, err error) {
	e := store.AuditEntry{
		At: c.start, Client: c.Client, Server: c.Tool.Server, Tool: c.Tool.Name, ArgsDigest: c.ArgsHash,
		Decision: out.Decision, DecidedBy: out.DecidedBy, LatencyMS: time.Since(c.start).Milliseconds(), Status: status, Findings: c.Findings,
	}
	if e.Decision == "" {
		e.Decision = "error"
	}
	if out.ApprovalID != 0 {
		e.ApprovalID = &out.ApprovalID
	}
	if err != nil {
		e.Detail = err.Error()
	}
	if g.opts.Settings != nil && g.opts.Settings().AuditArguments {
		args := string(c.Arguments)
		if out.Arguments != nil {
			args = string(out.Arguments)
		}
		redacted := scan.Redact(args, scan.Output(args, g.opts.Secrets))
		e.Arguments = &redacted
	}
	if err := g.opts.Store.AddAudit(context.Background(), e); err != nil {
		g.log.Error("could not write the audit log", "server", e.Server, "tool", e.Tool, "err", err)
	}
}
