//lint:file-ignore SA1019 sampling and logging are deprecated only from MCP 2026-07-28; this file screens them for 2025-06-18 and 2025-11-25 peers.

package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// holdPoll is how often a held result's decision is looked for.
const holdPoll = 250 * time.Millisecond

// A textSlot is one text a server returned that a model will read, and how
// to replace it.
type textSlot struct {
	text string
	set  func(string)
}

// screen scans what a server returned before it goes on, and applies the
// server's result policy when a secret or text addressed to the model is
// found: redact, block, or hold for a person.
func (g *Gateway) screen(ctx context.Context, d *downstream, subject string, slots []textSlot) error {
	perSlot, all := g.findingsIn(ctx, slots, true)
	if len(all) == 0 {
		return nil
	}
	found := describeFindings(all)
	switch g.opts.ResultPolicy(d.name) {
	case catalog.ResultsBlock:
		g.log.Warn("result blocked", "server", d.name, "subject", subject, "found", found)
		return withheldResult(d, subject, "was blocked", found)
	case catalog.ResultsHold:
		return g.hold(ctx, d, subject, all, found)
	default:
		redact(slots, perSlot)
		g.log.Warn("result redacted", "server", d.name, "subject", subject, "found", found)
		return nil
	}
}

// screenNotice screens texts a server sends that nobody waits on: a log
// or progress message, an error's message. None can be held, so where the
// server's result policy blocks or holds, a notice with findings is left
// out (false); where it redacts, it is redacted.
func (g *Gateway) screenNotice(d *downstream, subject string, slots []textSlot) bool {
	perSlot, all := g.findingsIn(g.ctx, slots, false)
	if len(all) == 0 {
		return true
	}
	found := describeFindings(all)
	if g.opts.ResultPolicy(d.name) != catalog.ResultsRedact {
		g.log.Warn("notice left out", "server", d.name, "subject", subject, "found", found)
		return false
	}
	redact(slots, perSlot)
	g.log.Warn("notice redacted", "server", d.name, "subject", subject, "found", found)
	return true
}

// findingsIn scans each slot, keeping what is worth acting on. Where
// judge is set (a result, which a request waits on, within its ctx; not a
// notice), and the gateway has a judge, it is asked about the first few
// slots the scanner only shows.
func (g *Gateway) findingsIn(ctx context.Context, slots []textSlot, judge bool) (perSlot [][]scan.Finding, all []scan.Finding) {
	perSlot = make([][]scan.Finding, len(slots))
	judged := 0
	for i, s := range slots {
		fs := scan.Output(s.text, g.opts.Secrets)
		if judge && g.opts.Judge != nil && judged < maxJudgedSlots && len(fs) > 0 && !scan.Blocks(fs) {
			judged++
			fs = scan.Judged(ctx, g.judging, "a tool's result", s.text, fs)
		}
		for _, f := range fs {
			if f.Rule == "judge" && f.Severity < scan.Medium {
				g.log.Warn("the judge gave no verdict on a result", "reason", f.Reason)
			}
			if f.Severity >= scan.Medium {
				perSlot[i] = append(perSlot[i], f)
			}
		}
		all = append(all, perSlot[i]...)
	}
	return perSlot, all
}

// maxJudgedSlots bounds the judge's verdicts one result waits for.
const maxJudgedSlots = 4

func redact(slots []textSlot, perSlot [][]scan.Finding) {
	for i, s := range slots {
		if len(perSlot[i]) > 0 {
			s.set(scan.Redact(s.text, perSlot[i]))
		}
	}
}

// hold keeps a result until a person releases or refuses it (bulkhead
// holds), or the request ends.
func (g *Gateway) hold(ctx context.Context, d *downstream, subject string, all []scan.Finding, found string) error {
	findings, _ := json.Marshal(all) // secret findings carry their kind and length only
	id, err := g.opts.Store.AddHold(ctx, store.Hold{Server: d.name, Subject: subject, Findings: string(findings)})
	if err != nil {
		return coded(CodeInternal, fmt.Errorf("holding the %s of server %q: %w", subject, d.name, err))
	}
	g.log.Warn("result held", "server", d.name, "subject", subject, "hold", id, "found", found)
	t := time.NewTicker(holdPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Nobody decided in time; the hold can no longer be released.
			_ = g.opts.Store.DecideHold(context.WithoutCancel(ctx), id, store.Expired, "gateway")
			return withheldResult(d, subject, fmt.Sprintf("was held (hold %d) and nobody released it before the request ended", id), found)
		case <-t.C:
		}
		h, err := g.opts.Store.GetHold(ctx, id)
		if err != nil {
			continue
		}
		switch h.Decision {
		case store.Release:
			return nil
		case store.Refuse, store.Expired:
			return withheldResult(d, subject, fmt.Sprintf("was held (hold %d) and refused by %s", id, h.DecidedBy), found)
		}
	}
}

func withheldResult(d *downstream, subject, what, found string) error {
	return &jsonrpc.Error{Code: CodeResultWithheld, Message: fmt.Sprintf("the %s of server %q %s: it held %s", subject, d.name, what, found)}
}

// describeFindings names what was found, without the text: rules and
// reasons, each once.
func describeFindings(fs []scan.Finding) string {
	var seen []string
	for _, f := range fs {
		s := f.Rule + " (" + f.Reason + ")"
		if !slices.Contains(seen, s) {
			seen = append(seen, s)
		}
	}
	return strings.Join(seen, ", ")
}

// contentSlots are the texts of content a model reads.
func contentSlots(cs []mcp.Content) []textSlot {
	var slots []textSlot
	for _, c := range cs {
		switch c := c.(type) {
		case *mcp.TextContent:
			slots = append(slots, textSlot{c.Text, func(s string) { c.Text = s }})
		case *mcp.EmbeddedResource:
			if c.Resource != nil {
				slots = append(slots, resourceSlots(c.Resource)...)
			}
		case *mcp.ResourceLink:
			slots = append(slots, textSlot{c.Name, func(s string) { c.Name = s }},
				textSlot{c.Title, func(s string) { c.Title = s }},
				textSlot{c.Description, func(s string) { c.Description = s }})
		}
	}
	return slots
}

func resourceSlots(rc *mcp.ResourceContents) []textSlot {
	return []textSlot{{rc.Text, func(s string) { rc.Text = s }}}
}

// structuredSlots are the strings anywhere in structured content.
func structuredSlots(v any) []textSlot {
	var slots []textSlot
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok {
				slots = append(slots, textSlot{s, func(n string) { v[k] = n }})
			} else {
				slots = append(slots, structuredSlots(e)...)
			}
		}
	case []any:
		for i, e := range v {
			if s, ok := e.(string); ok {
				slots = append(slots, textSlot{s, func(n string) { v[i] = n }})
			} else {
				slots = append(slots, structuredSlots(e)...)
			}
		}
	}
	return slots
}

func toolResultSlots(res *mcp.CallToolResult) []textSlot {
	return append(contentSlots(res.Content), structuredSlots(res.StructuredContent)...)
}

func promptSlots(res *mcp.GetPromptResult) []textSlot {
	slots := []textSlot{{res.Description, func(s string) { res.Description = s }}}
	for _, m := range res.Messages {
		slots = append(slots, contentSlots([]mcp.Content{m.Content})...)
	}
	return slots
}

func completionSlots(res *mcp.CompleteResult) []textSlot {
	var slots []textSlot
	for i, v := range res.Completion.Values {
		slots = append(slots, textSlot{v, func(s string) { res.Completion.Values[i] = s }})
	}
	return slots
}

// samplingSlots are what a server asks the client's model to read.
func samplingSlots(p *mcp.CreateMessageParams) []textSlot {
	slots := []textSlot{{p.SystemPrompt, func(s string) { p.SystemPrompt = s }}}
	for _, m := range p.Messages {
		slots = append(slots, contentSlots([]mcp.Content{m.Content})...)
	}
	return slots
}

// elicitSlots are what a server asks the person through the client: the
// question, and every text of the form it asks them to fill in.
func elicitSlots(p *mcp.ElicitParams) []textSlot {
	return append([]textSlot{{p.Message, func(s string) { p.Message = s }}, {p.URL, func(s string) { p.URL = s }}}, structuredSlots(p.RequestedSchema)...)
}

// logSlots are a log message's texts: its logger and its data.
func logSlots(p *mcp.LoggingMessageParams) []textSlot {
	slots := []textSlot{{p.Logger, func(s string) { p.Logger = s }}}
	if text, ok := p.Data.(string); ok {
		return append(slots, textSlot{text, func(s string) { p.Data = s }})
	}
	return append(slots, structuredSlots(p.Data)...)
}

func readSlots(res *mcp.ReadResourceResult) []textSlot {
	var slots []textSlot
	for _, rc := range res.Contents {
		slots = append(slots, resourceSlots(rc)...)
	}
	return slots
}
