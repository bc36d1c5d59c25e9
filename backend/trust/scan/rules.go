package scan

import (
	"regexp"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// A pattern rule: text matching re is a finding. The regular expression
// runs only on text that contains one of its anchors (see anchors.go),
// which keeps a listing of many honest definitions cheap. Anchors are lower
// case; one that starts with a letter must start a word.
type patternRule struct {
	id       string
	severity Severity
	reason   string
	anchors  []string
	re       *regexp.Regexp
}

// Text scans one definition text on its own (a server's instructions):
// markup, instructions to the model, requests for credentials, encoded
// blobs and hidden characters. Of ctx (which may be nil) only the known
// secrets count, which no excerpt shows.
func Text(field, text string, ctx *Context) []Finding {
	var known *Secrets
	if ctx != nil {
		known = ctx.known
	}
	m := markAnchors(text)
	sc := newScoring()
	out := scanText(nil, text, m, known, sc)
	out = scoreFinding(out, sc, true, everyField, func(int) string { return text }, noField)
	sc.done()
	conceal(out, text, secretsIn(text, m, known))
	for i := range out {
		out[i].Field = field
	}
	return out
}

// scanText appends the findings of the rules for definition text and
// feeds its words to sc, unless nil; the caller fills in the field and
// conceals the secrets the text holds.
func scanText(out []Finding, text string, m marks, known *Secrets, sc *scoring) []Finding {
	out = readText(out, text, true, sc)
	out = hiddenMarkup(out, text, true)
	out = matchRules(out, text, m, markupRuleSet)
	if m.blobRun {
		out = encodedBlobs(out, text, known)
	}
	if !m.plain {
		out = characters(out, text)
	}
	return out
}

// characters flags terminal escapes and characters a person cannot see.
func characters(out []Finding, text string) []Finding {
	skip := 0 // the end of a flag's tag sequence
	for i, r := range text {
		size := utf8.RuneLen(r)
		switch {
		case r >= 0x20 && r < 0x7f || r == '\n' || r == '\t', r >= 0xa0 && r < 0x2000 && r != 0xad && r != 0x180e, r > 0x206f && r < 0xfeff:
			continue // most of any text, in any script: read past before the rest are asked
		case r == utf8.RuneError || i < skip:
			continue
		case r == 0x1f3f4:
			skip = i + size + flagTags(text[i+size:])
		case r == 0x1b || r == 0x9b:
			out = append(out, finding("terminal-escape", High, text, i, i+size, "a terminal escape sequence, which can rewrite what a person sees"))
		case r == '\r' && (i+1 == len(text) || text[i+1] != '\n'):
			out = append(out, finding("terminal-escape", Medium, text, i, i+size, "a carriage return without a line feed, which lets later text overwrite what a terminal shows"))
		case r < 0x20 && r != '\n' && r != '\t' && r != '\r', r >= 0x7f && r < 0xa0:
			out = append(out, finding("terminal-escape", Medium, text, i, i+size, "a control character"))
		case r >= 0xe0000 && r <= 0xe007f:
			out = append(out, finding("invisible-char", High, text, i, i+size, "a Unicode tag character: invisible text a model still reads"))
		case r >= 0xe0100 && r <= 0xe01ef:
			out = append(out, finding("invisible-char", High, text, i, i+size, "a supplementary variation selector, which can carry hidden data"))
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			out = append(out, finding("invisible-char", High, text, i, i+size, "a bidirectional override, which shows text in another order than a model reads it"))
		case r == 0x200c || r == 0x200d || r == 0x00ad:
			// Joiners and soft hyphens are how Persian, Indic scripts, emoji
			// and German are written; only shown.
			out = append(out, finding("invisible-char", Low, text, i, i+size, "a zero-width joiner or soft hyphen"))
		case r >= 0x200b && r <= 0x200f, r >= 0x2060 && r <= 0x2064, r == 0xfeff, r == 0x180e:
			out = append(out, finding("invisible-char", Medium, text, i, i+size, "a zero-width or invisible character"))
		}
	}
	return out
}

// flagTags is the length of the tag characters after a black flag that
// spell a region's flag (🏴 g b s c t, cancel tag: Scotland's), or 0:
// two to seven lower-case letters or digits, too few to hide a sentence.
func flagTags(s string) int {
	n := 0
	for at, r := range s {
		switch {
		case r == 0xe007f && n >= 2:
			return at + utf8.RuneLen(r)
		case n < 7 && (r >= 0xe0061 && r <= 0xe007a || r >= 0xe0030 && r <= 0xe0039):
			n++
		default:
			return 0
		}
	}
	return 0
}

func finding(rule string, sev Severity, text string, start, end int, reason string) Finding {
	from, to := excerptBounds(text, start, end)
	return Finding{Rule: rule, Severity: sev, Start: start, End: end,
		Excerpt: sandbox.EscapeControl(text[from:to]), Reason: reason}
}

// excerptBounds are those of the span with a little context, at most about
// 120 bytes.
func excerptBounds(text string, start, end int) (from, to int) {
	from, to = max(0, start-30), min(len(text), end+30)
	if end-start > 60 {
		to = start + 60
	}
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return from, to
}
