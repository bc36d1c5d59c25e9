package scan

import (
	"strings"
	"unicode/utf8"
)

// marks is what one pass over a text found worth a closer look.
type marks struct {
	rules   uint64 // bit i: an anchor of textRules[i] occurs
	exfil   bool   // an anchor of the exfiltration phrases occurs
	blobRun bool   // a run of base64 or hex long enough to hide text
	plain   bool   // printable ASCII, tabs and line ends only
}

type anchor struct {
	text      string
	wordStart bool // must start a word (it starts with a letter)
	rules     uint64
	exfil     bool
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
		a := anchor{text: text, wordStart: isLetter(text[0]), rules: rules, exfil: exfil}
		if !isASCII(text) {
			idx.nonASCII = append(idx.nonASCII, a)
			return
		}
		idx.byFirst[text[0]] = append(idx.byFirst[text[0]], a)
	}
	for i, r := range textRules {
		for _, text := range r.anchors {
			add(text, 1<<i, false)
		}
	}
	for _, text := range exfilAnchors {
		add(text, 0, true)
	}
	return idx
}

// markAnchors reads text once.
func markAnchors(text string) marks {
	m := marks{plain: true}
	run := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 0x80 || c == 0x7f || c < 0x20 && c != '\n' && c != '\t' && c != '\r':
			m.plain = false
		case c == '\r' && (i+1 == len(text) || text[i+1] != '\n'):
			m.plain = false
		}
		if isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '_' || c == '-' {
			if run++; run >= blobMin {
				m.blobRun = true
			}
		} else {
			run = 0
		}
		lc := lower(c)
		if isLetter(c) && i > 0 && isLetter(text[i-1]) {
			continue // inside a word, where no anchor starts
		}
		for _, a := range anchorIndex.byFirst[lc] {
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
