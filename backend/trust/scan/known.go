package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Secrets are values known to be secret: those configured for any server,
// found wherever they appear, verbatim or encoded as a server or a model
// might pass them on: base64 (either alphabet, padded or not, at any byte
// offset of a longer blob), hex, URL escaping and JSON escaping.
type Secrets struct {
	spellings []spelling
	// starts has bit a<<8|b set when a spelling starts with bytes a, b, and
	// byStart lists those spellings: one pass over a text, whatever the
	// number of spellings, finds where any of them may start.
	starts  [1 << 16 / 64]uint64
	byStart map[uint16][]int
}

// spelling is one way a secret value can appear in text.
type spelling struct {
	text   string
	reason string
	// base64 is set for the characters of a value's base64 that depend on
	// it alone; partialBefore and partialAfter say whether a character
	// before and after them carries some of its bits too.
	base64                      bool
	partialBefore, partialAfter bool
}

// minSecret is the shortest value looked for; shorter ones would match
// ordinary text.
const minSecret = 8

const knownReason = "the value of a secret configured in Bulkhead"

// NewSecrets keeps the values at least minSecret bytes long and works out
// every spelling of each once, so a scan costs one pass over the text.
func NewSecrets(values ...string) *Secrets {
	s := &Secrets{byStart: map[uint16][]int{}}
	seen := map[string]bool{}
	add := func(sp spelling) {
		if len(sp.text) < 2 || seen[sp.text] {
			return
		}
		seen[sp.text] = true
		k := uint16(sp.text[0])<<8 | uint16(sp.text[1])
		s.starts[k/64] |= 1 << (k % 64)
		s.byStart[k] = append(s.byStart[k], len(s.spellings))
		s.spellings = append(s.spellings, sp)
	}
	for _, v := range values {
		if len(v) < minSecret {
			continue
		}
		add(spelling{text: v, reason: knownReason})
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			for offset := range 3 {
				add(base64Core(enc, v, offset))
			}
		}
		add(spelling{text: hex.EncodeToString([]byte(v)), reason: knownReason + ", hex-encoded"})
		add(spelling{text: strings.ToUpper(hex.EncodeToString([]byte(v))), reason: knownReason + ", hex-encoded"})
		add(spelling{text: url.QueryEscape(v), reason: knownReason + ", URL-encoded"})
		add(spelling{text: url.PathEscape(v), reason: knownReason + ", URL-encoded"})
		for _, j := range jsonEscapes(v) {
			add(spelling{text: j, reason: knownReason + ", JSON-escaped"})
		}
	}
	return s
}

// base64Core is the part of v's base64 that v alone decides when v starts
// offset bytes into the encoded data: each character holds 6 bits, so at
// an offset, or where v's length is not a multiple of 3, the character
// before or after also holds bits of a neighbour, and is left out of the
// spelling (a match takes it in).
func base64Core(enc *base64.Encoding, v string, offset int) spelling {
	data := make([]byte, offset+len(v))
	copy(data[offset:], v)
	encoded := enc.EncodeToString(data)
	from, to := (8*offset+5)/6, 8*len(data)/6
	return spelling{text: encoded[from:to], reason: knownReason + ", base64-encoded", base64: true,
		partialBefore: 8*offset%6 != 0, partialAfter: 8*len(data)%6 != 0}
}

// jsonEscapes are v as JSON strings spell it (without the quotes): as Go
// writes it, as JavaScript does (no escaping of <, > and &), and as
// Python's ASCII-only default does.
func jsonEscapes(v string) []string {
	var out []string
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(html)
		e.Encode(v)
		quoted := strings.TrimSuffix(b.String(), "\n")
		out = append(out, quoted[1:len(quoted)-1])
	}
	var ascii strings.Builder
	for _, r := range out[1] {
		if r < utf8.RuneSelf {
			ascii.WriteRune(r)
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			fmt.Fprintf(&ascii, `\u%04x\u%04x`, r1, r2)
		} else {
			fmt.Fprintf(&ascii, `\u%04x`, r)
		}
	}
	return append(out, ascii.String())
}

// find appends a finding for every occurrence of a known value, in any of
// its spellings.
func (s *Secrets) find(out []Finding, text string) []Finding {
	if s == nil || len(s.spellings) == 0 {
		return out
	}
	for i := 0; i+1 < len(text); i++ {
		k := uint16(text[i])<<8 | uint16(text[i+1])
		if s.starts[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, n := range s.byStart[k] {
			sp := &s.spellings[n]
			if !strings.HasPrefix(text[i:], sp.text) {
				continue
			}
			start, end := i, i+len(sp.text)
			if sp.base64 {
				start, end = widenBase64(text, start, end, sp)
			}
			out = append(out, secretFinding(start, end, sp.reason))
		}
	}
	return out
}

// widenBase64 takes in the characters around a base64 spelling that hold
// some of the value's bits, and the padding after it.
func widenBase64(text string, start, end int, sp *spelling) (int, int) {
	if sp.partialBefore && start > 0 && isBase64Char(text[start-1]) {
		start--
	}
	if sp.partialAfter && end < len(text) && isBase64Char(text[end]) {
		end++
	}
	for pad := 0; pad < 2 && end < len(text) && text[end] == '='; pad++ {
		end++
	}
	return start, end
}

func isBase64Char(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}
