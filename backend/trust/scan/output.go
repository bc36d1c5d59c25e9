package scan

import (
	"slices"
	"strings"
)

// Output scans text a server returned (a tool result, a resource's
// contents, a prompt's messages) before a model reads it: the injection
// rules, hidden characters, and secrets, known ones included. Encoded
// blobs and markup are left alone: results carry encoded data and web
// pages honestly. No finding's excerpt shows a secret it found.
func Output(text string, known *Secrets) []Finding {
	m := markAnchors(text)
	sc := newScoring()
	out := readText(nil, text, false, sc)
	out = scoreFinding(out, sc, false, everyField, func(int) string { return text }, noField)
	sc.done()
	out = hiddenMarkup(out, text, false)
	if !m.plain {
		out = characters(out, text)
	}
	out = known.find(matchRules(out, text, m, secretRuleSet), text)
	conceal(out, text, nil)
	return out
}

// Redact replaces every finding's span with a note of what was removed.
// Overlapping spans are removed once.
func Redact(text string, findings []Finding) string {
	if len(findings) == 0 {
		return text
	}
	fs := slices.Clone(findings)
	slices.SortFunc(fs, func(a, b Finding) int { return a.Start - b.Start })
	var b strings.Builder
	at := 0
	for _, f := range fs {
		if f.End <= at {
			continue
		}
		if f.Start >= at {
			b.WriteString(text[at:f.Start])
			b.WriteString("[removed by Bulkhead: " + f.Reason + "]")
		}
		at = f.End
	}
	b.WriteString(text[at:])
	return b.String()
}
