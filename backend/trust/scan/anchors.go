package scan

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// marks is what one pass over a text found worth a closer look.
type marks struct {
	rules   uint64 // bit i: an anchor of patternRules[i] occurs
	exfil   bool   // an anchor of the exfiltration phrases occurs
	blobRun bool   // a run of base64 or hex long enough to hide text
	plain   bool   // printable ASCII, tabs and line ends only
	// secretAt is where the secret rules' anchors start, in order: what
	// their expressions read (see windows).
	secretAt []anchorAt
}

type anchorAt struct{ rule, at int32 }

// An anchor that starts with a letter is looked for at word starts only.
type anchor struct {
	text  string
	rules uint64
	rule  int32 // the index of its rule in patternRules; -1 for exfiltration's
	exfil bool
}

// anchorIndex holds every rule's anchors: ASCII ones by their first byte,
// so a text is read once whatever the number of rules; the few with other
// letters are looked for only in text that has such letters.
var anchorIndex = buildAnchorIndex()

type anchors struct {
	byFirst  [256][]anchor
	starts   [256]bool // the first bytes of the ASCII anchors
	pairs    bytePairs // and their first two (an anchor of one byte pairs with every byte)
	nonASCII []anchor
}

func buildAnchorIndex() *anchors {
	idx := &anchors{}
	add := func(text string, rule int, exfil bool) {
		a := anchor{text: text, rule: int32(rule), exfil: exfil}
		if rule >= 0 {
			a.rules = 1 << rule
		}
		if !isASCII(text) {
			if rule >= 0 && rule < secretRuleSet.to {
				panic("scan: a secret rule's anchor is not ASCII: windows reads where anchors start, found for ASCII ones only")
			}
			idx.nonASCII = append(idx.nonASCII, a)
			return
		}
		idx.byFirst[text[0]] = append(idx.byFirst[text[0]], a)
		idx.starts[text[0]] = true
		if len(text) > 1 {
			idx.pairs.add(text[0], text[1])
		} else {
			for c := range 256 {
				idx.pairs.add(text[0], byte(c))
			}
		}
	}
	if len(patternRules) > 64 {
		panic("scan: more pattern rules than marks.rules has bits")
	}
	for i, r := range patternRules {
		for _, text := range r.anchors {
			add(text, i, false)
		}
	}
	for _, text := range exfilAnchors {
		add(text, -1, true)
	}
	return idx
}

// patternRules are the rules read by anchors: the secret rules, then the
// markup rules, so bit i of marks.rules is the same rule for every scan,
// which each runs the sets it needs of them.
var patternRules = slices.Concat(secretRules, markupRules)

// ruleSet is a run of patternRules.
type ruleSet struct{ from, to int }

var (
	secretRuleSet = ruleSet{0, len(secretRules)}
	markupRuleSet = ruleSet{secretRuleSet.to, secretRuleSet.to + len(markupRules)}
)

// matchRules appends the matches of the rules of set whose anchors the
// text holds. A secret's finding never shows the secret.
func matchRules(out []Finding, text string, m marks, set ruleSet) []Finding {
	for i := set.from; i < set.to; i++ {
		if m.rules&(1<<i) == 0 {
			continue
		}
		r := &patternRules[i]
		for _, w := range windows(text, r, i, m.secretAt) {
			for _, s := range r.re.FindAllStringIndex(text[w[0]:w[1]], -1) {
				from, to := w[0]+s[0], w[0]+s[1]
				if r.id == "secret" {
					if placeholder(text[from:to]) {
						continue
					}
					out = append(out, secretFinding(from, to, r.reason))
				} else {
					out = append(out, finding(r.id, r.severity, text, from, to, r.reason))
				}
			}
		}
	}
	return out
}

// windows are the parts of text a secret rule's expression reads: from
// each start of its anchors (and the byte before, for a word boundary;
// at, in order, of all rules) over the token that follows and a little
// more, or for a PEM key to its end, joined where they meet. A text that
// names the anchors everywhere then costs each expression a read of its
// tokens, not of the whole text per rule. Markup rules, read in
// definitions only, read the whole text: a tag's match starts before its
// anchor and may run long.
func windows(text string, r *patternRule, rule int, at []anchorAt) [][2]int {
	if r.id != "secret" {
		return [][2]int{{0, len(text)}}
	}
	var out [][2]int
	for _, a := range at {
		if int(a.rule) != rule {
			continue
		}
		from, to := max(0, int(a.at)-1), min(len(text), int(a.at)+secretReach(text, int(a.at), r))
		if n := len(out); n > 0 && from <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], to)
			continue
		}
		out = append(out, [2]int{from, to})
	}
	return out
}

// secretReach is how far past at a secret starting there may reach: over
// the characters of a token (a key, a JWT, a webhook URL), an assignment
// (aws_secret_access_key = "...") and the token after it, or for a PEM
// key to its END line; at most maxSecret.
func secretReach(text string, at int, r *patternRule) int {
	const maxSecret = 64 << 10
	rest := text[at:min(len(text), at+maxSecret)]
	if r.reason == "a private key" {
		if i := strings.Index(rest, "-----END"); i >= 0 {
			return min(len(rest), i+64)
		}
		return len(rest)
	}
	n := tokenRun(rest, 0)
	for k := 0; k < 8 && n < len(rest) && strings.IndexByte(" \t\"':=", rest[n]) >= 0; k++ {
		n++ // what joins a name to its value
	}
	return min(len(rest), tokenRun(rest, n)+1)
}

// tokenRun is where the run of token characters starting at i ends.
func tokenRun(s string, i int) int {
	for i < len(s) && (isNameByte(s[i]) || strings.IndexByte("./+=", s[i]) >= 0) {
		i++
	}
	return i
}

// foldedAt calls fn with every index at which lower-case ASCII needle
// occurs in s, ignoring ASCII case, in order.
func foldedAt(s, needle string, fn func(int)) {
	c, upper := needle[0], needle[0]
	if c >= 'a' && c <= 'z' {
		upper = c - 'a' + 'A'
	}
	next := func(b byte, from int) int { // the next b at or after from, or len(s)
		if i := strings.IndexByte(s[from:], b); i >= 0 {
			return from + i
		}
		return len(s)
	}
	lo, up := next(c, 0), len(s)
	if upper != c {
		up = next(upper, 0)
	}
	for {
		i := min(lo, up)
		if i+len(needle) > len(s) {
			return
		}
		if hasPrefixFold(s[i:], needle) {
			fn(i)
		}
		if i == lo {
			lo = next(c, i+1)
		} else {
			up = next(upper, i+1)
		}
	}
}

// Byte classes for markAnchors, looked up once per byte.
const (
	classLetter = 1 << iota // ASCII letter
	classBlob               // may be part of base64 or hex
	classPlain              // printable ASCII, tab or line feed
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isLetter(b) {
			t[c] |= classLetter
		}
		if isLetter(b) || b >= '0' && b <= '9' || strings.IndexByte("+/_-", b) >= 0 {
			t[c] |= classBlob
		}
		if b >= 0x20 && b < 0x7f || b == '\n' || b == '\t' {
			t[c] |= classPlain
		}
	}
	return t
}()

// markAnchors reads text for what its rules look for.
func markAnchors(text string) marks {
	m := marks{plain: plainText(text), blobRun: hasBlobRun(text)}
	for i := 0; i < len(text); i++ {
		c := lower(text[i])
		if anchorIndex.starts[c] && (i+1 == len(text) || anchorIndex.pairs.has(c, lower(text[i+1]))) {
			for _, a := range anchorIndex.byFirst[c] {
				if hasPrefixFold(text[i:], a.text) {
					m.rules |= a.rules
					m.exfil = m.exfil || a.exfil
					if a.rule >= 0 && int(a.rule) < secretRuleSet.to {
						m.secretAt = append(m.secretAt, anchorAt{a.rule, int32(i)})
					}
				}
			}
		}
		if byteClass[c]&classLetter != 0 {
			for i+1 < len(text) && byteClass[text[i+1]]&classLetter != 0 {
				i++ // inside a word, where no anchor starts
			}
		}
	}
	if !m.plain && len(anchorIndex.nonASCII) > 0 && !isASCII(text) {
		low := strings.ToLower(text)
		for _, a := range anchorIndex.nonASCII {
			if strings.Contains(low, a.text) {
				m.rules |= a.rules
				m.exfil = m.exfil || a.exfil
			}
		}
	}
	return m
}

// bytePairs is a set of pairs of bytes, a bit each.
type bytePairs [256 * 256 / 64]uint64

func (p *bytePairs) add(a, b byte)      { i := int(a)<<8 | int(b); p[i/64] |= 1 << (i % 64) }
func (p *bytePairs) has(a, b byte) bool { i := int(a)<<8 | int(b); return p[i/64]&(1<<(i%64)) != 0 }

// plainText reports whether text is printable ASCII, tabs and line ends
// (a carriage return only before a line feed), eight bytes at a time
// where it can.
func plainText(text string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(text); i += 8 {
		x := uint64(text[i]) | uint64(text[i+1])<<8 | uint64(text[i+2])<<16 | uint64(text[i+3])<<24 |
			uint64(text[i+4])<<32 | uint64(text[i+5])<<40 | uint64(text[i+6])<<48 | uint64(text[i+7])<<56
		if x&highs != 0 {
			return false // not ASCII
		}
		// a byte below 0x20, or 0x7f: one with the high bit set by adding 1
		if (x-0x20*ones)&^x&highs != 0 || (x+ones)&highs != 0 {
			if !plainBytes(text[i:i+8], text[i+8:]) {
				return false
			}
		}
	}
	return plainBytes(text[i:], "")
}

// plainBytes is plainText for s, byte by byte, which next follows.
func plainBytes(s, next string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; byteClass[c]&classPlain == 0 {
			if c != '\r' || !(i+1 < len(s) && s[i+1] == '\n' || i+1 == len(s) && next != "" && next[0] == '\n') {
				return false
			}
		}
	}
	return true
}

// hasBlobRun reports whether text holds a run of blobMin bytes that may be
// base64 or hex. It reads the last byte a run from where one may start
// would hold, and back from it: prose, its words blobMin apart at most,
// costs a read of one byte in some tens.
func hasBlobRun(text string) bool {
	blob := func(i int) bool { return byteClass[text[i]]&classBlob != 0 }
	start, known := 0, 0 // a run may start at start; bytes from start to known are of one
	for end := blobMin - 1; end < len(text); end = start + blobMin - 1 {
		if !blob(end) {
			start, known = end+1, end+1
			continue
		}
		j := end - 1
		for j >= known && blob(j) {
			j--
		}
		if j < known {
			return true
		}
		start, known = j+1, end+1
	}
	return false
}

// hasPrefixFold reports whether s starts with prefix (lower case ASCII),
// ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
