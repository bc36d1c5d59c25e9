package sandbox

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EscapeControl shows text from outside (a server, a client) so that it is
// displayed, never interpreted, and nothing in it is invisible: control,
// format (zero-width, bidi, tag), separator and private-use characters,
// variation selectors, the other default-ignorable code points and invalid
// bytes become escapes (\x1b, \u200b, \U000e0041, \xff), and a backslash is
// doubled, so an escape is never taken for text. Tabs stay.
func EscapeControl(s string) string { return escape(s, `\\`) }

// EscapeJSON is EscapeControl for valid JSON text: backslashes stay as they
// are, because each one there starts a JSON escape, and the escapes written
// are either JSON's own with the same meaning (\u200b) or cannot occur in
// JSON (\x.., \U........), so the text still reads as what it is.
func EscapeJSON(s string) string { return escape(s, `\`) }

func escape(s, backslash string) string {
	i := 0
	for i < len(s) && ' ' <= s[i] && s[i] < 0x7f && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return strings.Clone(s) // the common case, copied at once: s may be a small part of a long text
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		if c := s[i]; ' ' <= c && c < 0x7f && c != '\\' { // the common case, at once
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(backslash)
		case showsAsItself(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// showsAsItself reports whether r, printed, is seen for what it is.
func showsAsItself(r rune) bool {
	switch {
	case r == '\t':
		return true
	case !unicode.IsPrint(r): // controls, format, separators but space, private use, unassigned
		return false
	case unicode.In(r, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point):
		return false // printable by category, drawn as nothing (U+FE0F, U+E0100, U+3164...)
	case r == '\u2800': // BRAILLE PATTERN BLANK: a letter-like blank
		return false
	}
	return true
}
