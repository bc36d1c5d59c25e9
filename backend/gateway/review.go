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

	"github.com/bulkhead-dev/bulkhead/backend/internal/poll"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// approvalPoll is how often the gateway looks for approvals and toggles
// changed elsewhere (the CLI, another process) so they take effect
// without a restart.
const approvalPoll = 2 * time.Second

// review checks what a server last offered against its pins and publishes
// only what passes; the rest is withheld and recorded for a person. It fails
// closed: if the review cannot run, nothing new is published. Reviews of one
// server run one at a time, so an older snapshot never replaces a newer.
func (g *Gateway) review(ctx context.Context, d *downstream) error {
	d.reviewMu.Lock()
	defer d.reviewMu.Unlock()
	snap, ok := d.lastSnapshot()
	if !ok {
		return nil
	}
	verdicts, err := trust.ReviewDefinitions(ctx, g.opts.Store, d.name, snap.definitions(), g.otherTools(d))
	if err != nil {
		return fmt.Errorf("server %q: check its definitions against their pins: %w", d.name, err)
	}
	// Verdicts carry the definitions as the server sent them: what passes is
	// what is shown.
	names := snap.exposedNames(g.prefix(d))
	var shown snapshot
	withheld := map[string]trust.Verdict{}
	facts := map[string]toolFacts{}
	for _, v := range verdicts {
		if !v.Passes() {
			g.log.Warn("definition withheld until a person approves it", "server", d.name, "kind", v.Kind, "name", v.Name, "status", v.Status)
			switch v.Kind {
			case store.KindTool:
				withheld[names.tools[v.Name]] = v
			case store.KindPrompt:
				withheld[names.prompts[v.Name]] = v
			case store.KindResource:
				withheld[v.Name] = v // by URI: resources are not renamed
			}
			continue
		}
		switch def := v.Value.(type) {
		case *mcp.Tool:
			shown.tools = append(shown.tools, def)
			facts[def.Name] = toolFacts{approvedByPerson: v.ApprovedBy != trust.FirstUse}
		case *mcp.Prompt:
			shown.prompts = append(shown.prompts, def)
		case *mcp.ResourceTemplate:
			shown.templates = append(shown.templates, def)
		case pinnedResource:
			shown.resources = append(shown.resources, def.sent)
		}
	}
	g.mu.Lock()
	d.withheld = withheld
	d.toolFacts = facts
	g.mu.Unlock()
	g.publish(d, shown, names)
	return nil
}

// withheldErr refuses a request for a tool, prompt or resource that is
// withheld.
func (g *Gateway) withheldErr(d *downstream, exposed string) error {
	g.mu.Lock()
	v, ok := d.withheld[exposed]
	g.mu.Unlock()
	if !ok {
		return nil
	}
	what := "is new"
	switch v.Status {
	case trust.Changed:
		what = "changed since it was approved"
	case trust.Flagged:
		var rules []string // those that withhold it, in order of name
		for _, f := range v.Findings {
			if f.Severity >= scan.Medium && !slices.Contains(rules, f.Rule) {
				rules = append(rules, f.Rule)
			}
		}
		slices.Sort(rules)
		what = "was flagged by the scanner (" + strings.Join(rules, ", ") + ")"
	}
	review := fmt.Sprintf("bulkhead changes diff %s %s", d.name, v.Name)
	if v.Kind != store.KindTool {
		review += " --kind " + v.Kind
	}
	return &jsonrpc.Error{Code: CodeWithheld, Message: fmt.Sprintf(
		"%s %q of server %q %s and is withheld until a person approves it: %s", v.Kind, v.Name, d.name, what, review)}
}

// definitions are what the snapshot offers that reaches a client's model,
// for review.
func (snap snapshot) definitions() []trust.Definition {
	var defs []trust.Definition
	for _, t := range snap.tools {
		defs = append(defs, trust.Definition{Kind: store.KindTool, Name: t.Name, Value: t})
	}
	for _, p := range snap.prompts {
		defs = append(defs, trust.Definition{Kind: store.KindPrompt, Name: p.Name, Value: p})
	}
	for _, t := range snap.templates {
		defs = append(defs, trust.Definition{Kind: store.KindResourceTemplate, Name: t.URITemplate, Value: t})
	}
	for _, r := range snap.resources {
		defs = append(defs, trust.Definition{Kind: store.KindResource, Name: r.URI, Value: pinnedResource{r}})
	}
	if snap.instructions != "" {
		defs = append(defs, trust.Definition{Kind: store.KindInstructions, Value: snap.instructions})
	}
	if i := snap.info; i != nil && (i.Title != "" || i.Description != "" || i.WebsiteURL != "" || len(i.Icons) > 0) {
		// Its version is left out: a new one comes with a new image, pinned
		// on its own, and the words around it are what a person reads.
		shown := *i
		shown.Version = ""
		defs = append(defs, trust.Definition{Kind: store.KindServerInfo, Value: &shown})
	}
	return defs
}

// pinnedResource is a resource as it is pinned: all of it but its size,
// which changes with its contents and says nothing to a model.
type pinnedResource struct{ sent *mcp.Resource }

func (r pinnedResource) MarshalJSON() ([]byte, error) {
	c := *r.sent
	c.Size = 0
	return json.Marshal(&c)
}

// otherTools is what the gateway knows of the other servers' tools, for
// the scanner's shadowing and look-alike checks.
func (g *Gateway) otherTools(d *downstream) *scan.Context {
	others, descriptions := map[string]string{}, map[string]string{}
	var own []string
	for _, o := range g.downs {
		snap, ok := o.lastSnapshot()
		if !ok {
			continue
		}
		for _, t := range snap.tools {
			if o == d {
				own = append(own, t.Name)
				continue
			}
			others[t.Name], descriptions[t.Name] = o.name, t.Description
		}
	}
	// No finding shows a configured secret; a server may speak of its own
	// tools; a copy of another's is found by its description.
	return scan.NewContext(others).WithSecrets(g.opts.Secrets).WithSiblings(own).WithDescriptions(descriptions).WithJudge(g.opts.Judge)
}

// watchApprovals re-reviews every server's last snapshot when pins or
// toggles change, so an approval made, or a server or tool turned off, in
// another process takes effect here.
func (g *Gateway) watchApprovals(last string) {
	poll.Every(g.ctx, approvalPoll, func(ctx context.Context) {
		now, err := g.stateVersion(ctx)
		if err != nil || now == last {
			return
		}
		last = now
		if err := g.loadToggles(ctx); err != nil {
			g.log.Warn("reading toggles failed", "err", err)
		}
		for _, d := range g.downs {
			if err := g.review(ctx, d); err != nil {
				g.log.Warn("re-review failed", "server", d.name, "err", err)
			}
		}
	})
}
