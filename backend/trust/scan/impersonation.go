package scan

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// An impersonator copies another server's tool: a name that differs by
// little more than case, separators or an affix (send_emails,
// slack_post_message_official, listDirectory) and a description mostly in
// the same words. It needs no instruction: a model that prefers it sends
// the impersonator what was meant for the real tool.

// impersonationOverlap is the share of the description's words two tools
// must have in common (of the shorter one's) to be copies.
const impersonationOverlap = 0.6

// maxAffix is the most characters a look-alike name adds to, or drops
// from, the one it copies.
const maxAffix = 9

// WithDescriptions gives the other servers' tools' descriptions (name ->
// description), for finding copies of them; it returns c.
func (c *Context) WithDescriptions(descriptions map[string]string) *Context {
	c.descriptions = descriptions
	c.cores = map[string][]string{}
	for name := range descriptions {
		for _, k := range affixCores(nameCore(name)) {
			c.cores[k] = append(c.cores[k], name)
		}
	}
	return c
}

// decoys are what an impersonator adds to a name to pass for the real
// tool; honest servers add what the tool does (update_issue_title) or
// the service's name.
var decoys = []string{"s", "es", "official", "real", "verified", "secure", "safe", "new", "v1", "v2", "v3", "2", "3", "pro",
	"plus", "latest", "original", "trusted", "genuine", "certified", "fixed", "updated", "fast", "best", "main", "prod", "true"}

// decoyAffix reports whether long is short with a decoy before or after.
func decoyAffix(long, short string) bool {
	for _, d := range decoys {
		if long == short+d || long == d+short {
			return true
		}
	}
	return false
}

// pluralOf reports whether long is short with a plural ending.
func pluralOf(long, short string) bool { return long == short+"s" || long == short+"es" }

// nameCore is a name's letters and digits, lower-cased: what is left when
// case and separators are taken away.
func nameCore(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// affixCores are a core and what it is with up to maxAffix characters cut
// from either end, keeping at least four.
func affixCores(core string) []string {
	out := []string{core}
	for k := 1; k <= maxAffix && len(core)-k >= 4; k++ {
		out = append(out, core[k:], core[:len(core)-k])
	}
	return out
}

// impersonation appends a finding when the definition (a tool with name
// and description) copies another server's tool.
func impersonation(out []Finding, def any, ctx *Context) []Finding {
	if len(ctx.cores) == 0 {
		return out
	}
	m, ok := def.(map[string]any)
	if !ok {
		return out
	}
	name, _ := m["name"].(string)
	desc, _ := m["description"].(string)
	if name == "" || desc == "" {
		return out
	}
	seen := map[string]bool{}
	core := nameCore(name)
	for _, k := range affixCores(core) {
		for _, other := range ctx.cores[k] {
			if seen[other] || other == name && ctx.siblings[strings.ToLower(other)] {
				continue
			}
			seen[other] = true
			oc := nameCore(other)
			if oc != core && !decoyAffix(core, oc) && !decoyAffix(oc, core) {
				continue // another tool of the same family (update_issue_title), or a piece in common
			}
			if overlap(desc, ctx.descriptions[other]) >= impersonationOverlap {
				// The same name spelt alike, or one a plural of the other,
				// is as often a second install of a server, a fork or
				// another service's tool for the same thing as a copy:
				// shown. A name with an affix (_official, _v2) is dressed
				// to pass for the other: withheld.
				sev := Medium
				if oc == core || pluralOf(core, oc) || pluralOf(oc, core) {
					sev = Low
				}
				return append(out, Finding{Rule: "impersonation", Severity: sev, Field: "name", End: len(name),
					Excerpt: sandbox.EscapeControl(name),
					Reason:  fmt.Sprintf("copies tool %q of server %q: a like name and mostly its description", other, ctx.others[other])})
			}
		}
	}
	return out
}

// overlap is the share of the shorter description's words (of three
// letters or more) the other has too.
func overlap(a, b string) float64 {
	wa, wb := wordSet(a), wordSet(b)
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	n := 0
	for w := range wa {
		if wb[w] {
			n++
		}
	}
	return float64(n) / float64(len(wa))
}

func wordSet(s string) map[string]bool {
	var ws words
	ws.read(s)
	out := map[string]bool{}
	for i := range ws.list {
		if w := ws.text(i); len(w) >= 3 {
			out[string(w)] = true
		}
	}
	return out
}
