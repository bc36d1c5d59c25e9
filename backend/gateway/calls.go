package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

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
	c := g.callOf(d.name, t.Name, req.Params.Arguments, req.Session, time.Now())
	c.Tool.Approved = facts.approvedByPerson || g.opts.Verified(d.name)
	c.Tool.ReadOnly, c.Tool.Destructive = false, true // the spec's defaults
	if a := t.Annotations; a != nil {
		c.Tool.ReadOnly = a.ReadOnlyHint
		if a.DestructiveHint != nil {
			c.Tool.Destructive = *a.DestructiveHint
		}
	}
	c.Ask = asker(req.Session)
	return c
}

// callOf is what is known of any call: who made it, to what, with which
// arguments and what the scanner found in them.
func (g *Gateway) callOf(server, tool string, args json.RawMessage, ss *mcp.ServerSession, start time.Time) call {
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
	return call{start: start, Call: policy.Call{
		Tool:      policy.Tool{Server: server, Name: tool},
		Arguments: args,
		ArgsHash:  policy.ArgsHash(args),
		Client:    clientOf(ss),
		Session:   g.sessionOf(ss),
		Findings:  string(found),
	}}
}

// auditedKey marks a tools/call's context; forwardTool sets it once the
// call is audited, so intercept audits the calls refused before.
type auditedKey struct{}

func markAudited(ctx context.Context) {
	if done, ok := ctx.Value(auditedKey{}).(*bool); ok {
		*done = true
	}
}

// auditRefused records a call refused before it reached policy: a tool no
// server offers, a withheld tool, a server that is unavailable.
func (g *Gateway) auditRefused(p *mcp.CallToolParamsRaw, ss *mcp.ServerSession, start time.Time, err error) {
	server, tool := "", p.Name
	if d := g.serverOf(p.Name); d != nil {
		server, tool = d.name, g.originalTool(d, p.Name)
	}
	why := "no server offers this tool"
	var wire *jsonrpc.Error
	if errors.As(err, &wire) {
		switch wire.Code {
		case CodeWithheld:
			why = "the tool is withheld until a person approves it"
		case CodeUnavailable:
			why = "the server is unavailable"
		}
	}
	g.audit(g.callOf(server, tool, p.Arguments, ss, start), policy.Outcome{Decision: store.Deny, DecidedBy: "bulkhead: " + why}, "refused", err)
}

// authorize asks the gate; without one every call is allowed.
func (g *Gateway) authorize(ctx context.Context, c call) (policy.Outcome, error) {
	if g.opts.Gate == nil {
		return policy.Outcome{Allowed: true, Arguments: c.Arguments, Decision: "allow", DecidedBy: "no policy configured"}, nil
	}
	return g.opts.Gate.Authorize(ctx, c.Call)
}

// deniedNow reports whether a rule denies the call now, for a later round
// of a call allowed before: the rules alone, nobody asked.
func (g *Gateway) deniedNow(ctx context.Context, c call) (why string, denied bool, err error) {
	if g.opts.Gate == nil {
		return "", false, nil
	}
	return g.opts.Gate.Denies(ctx, c.Call)
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

// sessionOf names a client session, unique across gateway processes. Over
// HTTP a session without an ID is a stateless request (2026-07-28), which
// is a session of its own.
func (g *Gateway) sessionOf(ss *mcp.ServerSession) string {
	id := "stdio"
	switch {
	case ss != nil && ss.ID() != "":
		id = ss.ID()
	case g.overHTTP.Load():
		id = nextRequestSession()
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
	return &jsonrpc.Error{Code: CodeDeclined, Message: msg}
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

// originalTool is the server's own name for an exposed tool name, as far
// as the gateway knows it: published, withheld, or else the name as sent.
func (g *Gateway) originalTool(d *downstream, exposed string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := d.pub.tools[exposed]; ok {
		return e.original
	}
	if v, ok := d.withheld[exposed]; ok {
		return v.Name
	}
	return strings.TrimPrefix(exposed, g.prefix(d))
}
