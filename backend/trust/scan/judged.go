package scan

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/trust/judge"
)

// WithJudge has Judged ask j for a second opinion, and returns c.
func (c *Context) WithJudge(j *judge.Judge) *Context {
	c.judge = j
	return c
}

// Judged asks c's judge, if it has one, about a text whose findings fs
// show something without withholding it, and adds the judge's verdict
// when it is an attack: withheld, the whole text, with the model's name.
// The judge never clears a text the scanner withholds, nor is it asked
// about one the scanner found nothing in. kind says what text is ("a
// tool's result"); its secrets are removed before it is sent, and of a
// long one only the passages around the findings. What the model says is
// kept in the finding's detail, for the person: it was steered by the
// text judged, so it never goes where a model reads. When the judge
// cannot be asked, the scanner's findings stand, with a note.
func Judged(ctx context.Context, c *Context, kind, text string, fs []Finding) []Finding {
	if !c.asks(fs) {
		return fs
	}
	clean := Redact(text, secretsIn(text, markAnchors(text), c.known))
	at := fs[0] // where the scanner pointed
	v, err := c.judge.Judge(ctx, kind, passages(clean, fs))
	name := c.judge.Model()
	verdict := Finding{Rule: "judge", Field: at.Field, Start: 0, End: len(text), Excerpt: at.Excerpt}
	switch {
	case err != nil:
		verdict.Severity, verdict.Reason = Low, "the judge could not be asked"
		verdict.Detail = "judge " + name + ": no verdict: " + sandbox.EscapeControl(cut(err.Error(), 300))
		return append(fs, verdict)
	case !v.Attack:
		return fs
	}
	verdict.Severity = Medium
	verdict.Reason = "a local model (" + name + ") judged it an attempt to steer the model"
	verdict.Detail = fmt.Sprintf("judge %s: attack, asked because the scanner showed %s; the model said: %s", name, at.Rule, sandbox.EscapeControl(cut(v.Reason, 200)))
	return append(fs, verdict)
}

// JudgedDefinition is Judged for a definition, whose prose (see prose)
// the judge reads; it is put together only when the judge is asked.
func JudgedDefinition(ctx context.Context, c *Context, kind string, def any, fs []Finding) []Finding {
	if !c.asks(fs) {
		return fs
	}
	return Judged(ctx, c, kind, prose(def), fs)
}

// asks reports whether c has a judge to ask about findings fs: some, and
// none that withholds.
func (c *Context) asks(fs []Finding) bool {
	return c != nil && c.judge != nil && len(fs) > 0 && !Blocks(fs)
}

// passages is text, or of a text longer than the judge reads, the
// passages around the findings' spans (of text) and its start: padding
// before an attack does not push it out of what the judge reads.
func passages(text string, fs []Finding) string {
	if len(text) <= judge.MaxText {
		return text
	}
	const around = 1 << 10
	var b strings.Builder
	b.WriteString(cut(text, around))
	for _, f := range fs {
		if f.End <= around || f.Start >= len(text) || b.Len() >= judge.MaxText {
			continue
		}
		from, to := max(0, f.Start-around), min(len(text), f.End+around)
		b.WriteString("\n[…]\n")
		b.WriteString(cut(text[runeStart(text, from):], to-from))
	}
	return b.String()
}

// cut is s cut to at most n bytes, on a character's boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:runeStart(s, n)]
}

func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// prose is what a model reads as words in a definition: its name, title
// and descriptions, each of its parameters' too, one per line. The judge
// reads this rather than the definition's JSON, whose other keys could
// pad the prose out of what it reads.
func prose(def any) string {
	var b strings.Builder
	var walk func(v any, properties bool)
	walk = func(v any, properties bool) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if properties {
					b.WriteString(k + "\n")
				}
				if s, ok := v[k].(string); ok && (k == "name" || k == "title" || k == "description") {
					b.WriteString(s + "\n")
					continue
				}
				walk(v[k], k == "properties")
			}
		case []any:
			for _, e := range v {
				walk(e, false)
			}
		}
	}
	walk(def, false)
	return b.String()
}
