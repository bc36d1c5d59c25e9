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
}

// An anchor that starts with a letter is looked for at word starts only.
type anchor struct {
	text  string
	rules uint64
	exfil bool
}

// anchorIndex holds every rule's anchors: ASCII ones by their first byte,
// so a text is read once whatever the number of rules; the few with other
// letters are looked for only in text that has such letters.
var anchorIndex = buildAnchorIndex()

type anchors struct {
	byFirst  [256][]anchor
	nonASCII []anchor
}

func buildAnchorIndex() *anchors {
	idx := &anchors{}
	add := func(text string, rules uint64, exfil bool) {
		a := anchor{text: text, rules: rules, exfil: exfil}
		if !isASCII(text) {
			idx.nonASCII = append(idx.nonASCII, a)
			return
		}
		idx.byFirst[text[0]] = append(idx.byFirst[text[0]], a)
	}
	if len(patternRules) > 64 {
		panic("scan: more pattern rules than marks.rules has bits")
	}
	for i, r := range patternRules {
		for _, text := range r.anchors {
			add(text, 1<<i, false)
		}
	}
	for _, text := range exfilAnchors {
		add(text, 0, true)
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
		for _, s := range r.re.FindAllStringIndex(text, -1) {
			if r.id == "secret" {
				if placeholder(text[s[0]:s[1]]) {
					continue
				}
				out = append(out, secretFinding(s[0], s[1], r.reason))
			} else {
				out = append(out, finding(r.id, r.severity, text, s[0], s[1], r.reason))
			}
		}
	}
	return out
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

// markAnchors reads text once.
func markAnchors(text string) marks {
	m := marks{plain: true}
	run := 0
	prevLetter := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		k := byteClass[c]
		if k&classPlain == 0 && (c != '\r' || i+1 == len(text) || text[i+1] != '\n') {
			m.plain = false
		}
		if k&classBlob != 0 {
			if run++; run >= blobMin {
				m.blobRun = true
			}
		} else {
			run = 0
		}
		letter := k&classLetter != 0
		if letter && prevLetter {
			continue // inside a word, where no anchor starts
		}
		prevLetter = letter
		for _, a := range anchorIndex.byFirst[lower(c)] {
			if hasPrefixFold(text[i:], a.text) {
				m.rules |= a.rules
				m.exfil = m.exfil || a.exfil
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
