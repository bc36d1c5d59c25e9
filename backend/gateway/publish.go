package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"

	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// maxNameLen is the longest tool name the MCP spec recommends.
const maxNameLen = 128

// snapshot is everything a server offers at one moment.
type snapshot struct {
	tools        []*mcp.Tool
	prompts      []*mcp.Prompt
	resources    []*mcp.Resource
	templates    []*mcp.ResourceTemplate
	instructions string
	info         *mcp.Implementation // what the server says it is
}

// published is what the gateway registered upstream for one server: the
// exposed name (or URI) with the original and the definition as sent, so a
// re-list that changed nothing changes nothing upstream.
type published struct {
	tools     map[string]entry
	prompts   map[string]entry
	resources map[string]entry
	templates map[string]entry
}

type entry struct {
	original string
	def      []byte
	match    *uritemplate.Template // templates only
}

// exposed is what a server's tools and prompts are called upstream, by
// their names as the server gave them.
type exposed struct{ tools, prompts map[string]string }

// exposedNames names a snapshot's tools and prompts upstream. Names are
// worked out over everything the server offers, shown or not, so a name
// does not move when a person approves or hides another.
func (snap snapshot) exposedNames(prefix string) exposed {
	tools := make([]string, len(snap.tools))
	for i, t := range snap.tools {
		tools[i] = t.Name
	}
	prompts := make([]string, len(snap.prompts))
	for i, p := range snap.prompts {
		prompts[i] = p.Name
	}
	return exposed{tools: exposedNames(prefix, tools), prompts: exposedNames(prefix, prompts)}
}

// exposedNames puts prefix (server and separator, or nothing when bare)
// before each name, within the spec's tool-name rules (A-Z a-z 0-9 _ - .,
// at most 128), each exposed name unique. A name
// that had to be changed gets a hash of the original, so the result is the
// same on every run; the hash is longer, or numbered, where a shorter one
// would take a name already taken (a tool could be named like another's
// hashed form). Names that needed no change keep theirs.
func exposedNames(prefix string, names []string) map[string]string {
	out := make(map[string]string, len(names))
	taken := map[string]bool{}
	var changed []string
	for _, n := range names {
		clean := cleanName(n)
		if full := prefix + clean; clean == n && n != "" && len(full) <= maxNameLen {
			out[n], taken[full] = full, true
		} else if _, seen := out[n]; !seen {
			changed = append(changed, n)
		}
	}
	slices.Sort(changed)
	changed = slices.Compact(changed)
	for _, n := range changed {
		sum := sha256.Sum256([]byte(n))
		digest := hex.EncodeToString(sum[:])
		var name string
		for i := 0; name == "" || taken[name]; i++ {
			suffix := "_" + digest[:min(len(digest), 8<<i)]
			if 8<<i > len(digest) {
				suffix += "_" + strconv.Itoa(i)
			}
			name = prefix + cleanName(n)
			name = name[:min(len(name), maxNameLen-len(suffix))] + suffix
		}
		out[n], taken[name] = name, true
	}
	return out
}

// cleanName replaces every character the spec does not allow in a tool
// name with an underscore.
func cleanName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.", r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// publish brings the upstream registries in line with a server's snapshot,
// under the names given.
func (g *Gateway) publish(d *downstream, snap snapshot, names exposed) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.server
	next := published{tools: map[string]entry{}, prompts: map[string]entry{}, resources: map[string]entry{}, templates: map[string]entry{}}

	for _, t := range snap.tools {
		if g.toolHidden(d.name, t.Name) {
			continue
		}
		up := *t
		up.Name = names.tools[t.Name]
		up.Icons = forwardable(t.Icons)
		if e, ok := g.register(d, d.pub.tools, up.Name, t.Name, &up, func() { s.AddTool(&up, g.forwardTool(d, t)) }); ok {
			next.tools[up.Name] = e
		}
	}
	for _, p := range snap.prompts {
		up := *p
		up.Name = names.prompts[p.Name]
		up.Icons = forwardable(p.Icons)
		if e, ok := g.register(d, d.pub.prompts, up.Name, p.Name, &up, func() { s.AddPrompt(&up, g.forwardPrompt(d, p.Name)) }); ok {
			next.prompts[up.Name] = e
		}
	}
	for _, r := range snap.resources {
		if !g.claim(d, r.URI) {
			continue
		}
		up := *r
		up.Icons = forwardable(r.Icons)
		if e, ok := g.register(d, d.pub.resources, r.URI, r.URI, &up, func() { s.AddResource(&up, g.forwardRead(d)) }); ok {
			next.resources[r.URI] = e
		}
	}
	for _, t := range snap.templates {
		tpl, err := uritemplate.New(t.URITemplate)
		if err != nil || !g.claim(d, t.URITemplate) {
			continue
		}
		up := *t
		up.Icons = forwardable(t.Icons)
		if e, ok := g.register(d, d.pub.templates, t.URITemplate, t.URITemplate, &up, func() { s.AddResourceTemplate(&up, g.forwardRead(d)) }); ok {
			e.match = tpl
			next.templates[t.URITemplate] = e
		}
	}

	s.RemoveTools(gone(d.pub.tools, next.tools)...)
	s.RemovePrompts(gone(d.pub.prompts, next.prompts)...)
	s.RemoveResources(g.release(gone(d.pub.resources, next.resources))...)
	s.RemoveResourceTemplates(g.release(gone(d.pub.templates, next.templates))...)
	d.pub = next
}

// forwardable keeps the icons a client may fetch. One that would have it
// fetch from the user's own machine or network, run script or read a
// local file is left out even once a person approved its definition: a
// client fetches icons without asking anyone.
func forwardable(icons []mcp.Icon) []mcp.Icon {
	var out []mcp.Icon
	for _, ic := range icons {
		if ok, _ := scan.IconForwardable(ic.Source); ok {
			out = append(out, ic)
		}
	}
	return out
}

// register adds one definition upstream unless it is unchanged. The SDK
// panics on definitions it rejects (a tool schema that is not an object);
// a server's bad definition is logged and left out, never fatal.
func (g *Gateway) register(d *downstream, before map[string]entry, key, original string, def any, add func()) (e entry, ok bool) {
	raw, _ := json.Marshal(def)
	if prev, had := before[key]; had && bytes.Equal(prev.def, raw) {
		return prev, true
	}
	defer func() {
		if p := recover(); p != nil {
			g.log.Warn("definition left out", "server", d.name, "name", original, "reason", fmt.Sprint(p))
			ok = false
		}
	}()
	add()
	return entry{original: original, def: raw}, true
}

// claim gives a resource URI or template to the first server offering it;
// another server offering the same one is left out (URIs are not renamed,
// since clients treat them as addresses). Called with g.mu held.
func (g *Gateway) claim(d *downstream, uri string) bool {
	if owner, taken := g.owners[uri]; taken && owner != d {
		g.log.Warn("resource offered by two servers; keeping the first", "uri", uri, "kept", owner.name, "dropped", d.name)
		return false
	}
	g.owners[uri] = d
	return true
}

// release frees URIs a server no longer offers. Called with g.mu held.
func (g *Gateway) release(uris []string) []string {
	for _, u := range uris {
		delete(g.owners, u)
	}
	return uris
}

func gone(before, after map[string]entry) []string {
	var out []string
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
