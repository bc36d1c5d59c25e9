package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// ShownArguments are a held call's arguments as a person is shown them,
// the same in the CLI and the web UI.
type ShownArguments struct {
	// Text is the bytes the call runs with, indented (the gateway forwards
	// them with whitespace removed, nothing else changed), every invisible
	// or control character escaped.
	Text string
	// Warnings name each way a server could read the arguments otherwise
	// than they are shown: a key given twice, a number a float64 changes,
	// text that is not UTF-8 or holds half a surrogate pair.
	Warnings []string
}

// maxWarnings keeps a hostile call from burying the page in warnings.
const maxWarnings = 20

// maxIndent is the deepest nesting shown indented; deeper arguments are
// shown on one line, as indenting them would grow with the square of it.
const maxIndent = 32

// ShowArguments shows raw arguments without decoding them into values,
// which is where a display would change them.
func ShowArguments(raw json.RawMessage) ShownArguments {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ShownArguments{}
	}
	if !json.Valid(raw) {
		return ShownArguments{Text: escapeLines(string(raw), sandbox.EscapeControl),
			Warnings: []string{"the arguments are not valid JSON: each server reads them its own way"}}
	}
	found, depth := readings(raw)
	var text bytes.Buffer
	if depth <= maxIndent {
		json.Indent(&text, raw, "", "  ")
	} else {
		json.Compact(&text, raw)
	}
	return ShownArguments{Text: escapeLines(text.String(), sandbox.EscapeJSON), Warnings: found.list}
}

func escapeLines(s string, escape func(string) string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escape(l)
	}
	return strings.Join(lines, "\n")
}

// container is an object or array being read, with where the reader is in it.
type container struct {
	object  bool
	key     string // in an object: the key of the value being read
	shown   string // that key as written, escaped
	wantKey bool   // in an object: the next string is a key
	keys    map[string]int
	index   int // in an array: of the value being read
}

// step is the container's part of the path of the value being read.
func (c *container) step() string {
	if !c.object {
		return "[" + strconv.Itoa(c.index) + "]"
	}
	for i, r := range c.key {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return "[" + c.shown + "]"
		}
	}
	return "." + c.key
}

// next moves past a value read.
func (c *container) next() {
	if c.object {
		c.wantKey = true
	} else {
		c.index++
	}
}

// path is where the value being read is, e.g. $.a[2], from the containers
// it is in; made only for a warning, so depth costs nothing otherwise.
func path(stack []*container) string {
	var b strings.Builder
	b.WriteString("$")
	for _, c := range stack {
		b.WriteString(c.step())
	}
	return b.String()
}

// warnings collects what readings finds, written out up to maxWarnings.
type warnings struct {
	list  []string
	more  int
	lossy bool // decoding loses something: a key given twice, text not UTF-8 or half a surrogate pair
}

func (w *warnings) add(msg func() string) {
	if len(w.list) < maxWarnings {
		w.list = append(w.list, msg())
	} else {
		w.more++
	}
}

// readings walks valid JSON token by token (never recursively) and says
// where a server could read it otherwise than its text shows, and how deep
// it nests.
func readings(raw []byte) (found warnings, depth int) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var w warnings
	var stack []*container
	var from int64
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF: raw is valid
			if w.more > 0 {
				w.list = append(w.list, fmt.Sprintf("and %d more like these", w.more))
			}
			return w, depth
		}
		lit := raw[from:dec.InputOffset()] // the token, after any separator
		from = dec.InputOffset()
		var top *container
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.wantKey {
			top.key, top.shown, top.wantKey = s, sandbox.EscapeJSON(string(bytes.TrimLeft(lit, " \t\r\n,:"))), false
			if top.keys[s]++; top.keys[s] == 2 {
				w.lossy = true
				w.add(func() string {
					return fmt.Sprintf("%s: the key %s is given more than once: servers differ on which value they take (most the last, some the first)",
						path(stack[:len(stack)-1]), top.shown)
				})
			}
			textReadings(&w, lit, func() string { return fmt.Sprintf("%s, the key %s", path(stack[:len(stack)-1]), top.shown) })
			continue
		}
		at := func() string { return path(stack) }
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				c := &container{object: v == '{', wantKey: v == '{'}
				if c.object {
					c.keys = map[string]int{}
				}
				stack = append(stack, c)
				depth = max(depth, len(stack))
				continue
			}
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].next()
			}
			continue
		case string:
			textReadings(&w, lit, at)
		case json.Number:
			numberReadings(&w, string(v), at)
		}
		if top != nil {
			top.next()
		}
	}
}

// textReadings looks at a string literal as written: bytes that are not
// UTF-8, and escapes of half a surrogate pair, which decoders replace.
func textReadings(w *warnings, lit []byte, at func() string) {
	if !utf8.Valid(lit) {
		w.lossy = true
		w.add(func() string {
			return at() + `: the text holds bytes that are not UTF-8 (shown as \xNN): servers read U+FFFD in their place, or refuse the call`
		})
	}
	if halfSurrogate(lit) {
		w.lossy = true
		w.add(func() string {
			return at() + `: the text holds half a surrogate pair (a lone \ud800-\udfff escape): servers read U+FFFD in its place, or refuse the call`
		})
	}
}

// halfSurrogate reports whether a JSON string literal escapes a surrogate
// that is not part of a pair.
func halfSurrogate(lit []byte) bool {
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++ // the escaped character
		r, ok := escapedUnit(lit, i)
		if !ok {
			continue
		}
		i += 4
		switch {
		case 0xd800 <= r && r < 0xdc00:
			if low, ok := escapedUnit(lit, i+2); ok && i+1 < len(lit) && lit[i+1] == '\\' && 0xdc00 <= low && low < 0xe000 {
				i += 6
				continue
			}
			return true
		case 0xdc00 <= r && r < 0xe000:
			return true
		}
	}
	return false
}

// escapedUnit reads the code unit of a \uXXXX escape whose u is at lit[i].
func escapedUnit(lit []byte, i int) (rune, bool) {
	if i+5 > len(lit) || lit[i] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(lit[i+1:i+5]), 16, 16)
	return rune(n), err == nil
}

// numberReadings says what becomes of a number held in a float64, as
// JavaScript and many JSON decoders hold every number.
func numberReadings(w *warnings, lit string, at func() string) {
	f, _ := strconv.ParseFloat(lit, 64)
	switch {
	case math.IsInf(f, 0):
		w.add(func() string {
			return fmt.Sprintf("%s: %s is beyond what a float64 holds: JavaScript and many servers read it as infinity, null or an error", at(), cut(lit))
		})
	case !sameNumber(lit, strconv.FormatFloat(f, 'e', -1, 64)):
		w.add(func() string {
			return fmt.Sprintf("%s: %s is %s in a float64: JavaScript and many servers read that number, not the one shown", at(), cut(lit), jsNumber(f))
		})
	}
}

// jsNumber writes a float64 as JavaScript prints it, near enough.
func jsNumber(f float64) string {
	if a := math.Abs(f); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

// sameNumber reports whether two JSON numbers are the same number, however
// written (1e2 and 100.0 are).
func sameNumber(a, b string) bool {
	na, da, ea, oka := decimal(a)
	nb, db, eb, okb := decimal(b)
	return oka && okb && na == nb && da == db && ea == eb
}

// decimal reads a JSON number as its sign, its significant digits and the
// power of ten that puts the point before them: 0.05 is +, "5", -1.
func decimal(lit string) (neg bool, digits string, exp int, ok bool) {
	neg = strings.HasPrefix(lit, "-")
	mant, e, hasExp := strings.Cut(strings.ToLower(strings.TrimPrefix(lit, "-")), "e")
	if hasExp {
		var err error
		if exp, err = strconv.Atoi(e); err != nil || exp > math.MaxInt32 || exp < math.MinInt32 {
			return false, "", 0, false
		}
	}
	whole, frac, _ := strings.Cut(mant, ".")
	digits = strings.TrimLeft(whole+frac, "0")
	exp += len(whole) - (len(whole+frac) - len(digits))
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return false, "", 0, true // zero, whatever its sign
	}
	return neg, digits, exp, true
}

// cut keeps a number in a warning short.
func cut(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// decodesFaithfully reports whether valid JSON decodes to values that
// encode back to what it says: no key given twice, all text UTF-8.
func decodesFaithfully(raw []byte) bool {
	found, _ := readings(raw)
	return !found.lossy
}
