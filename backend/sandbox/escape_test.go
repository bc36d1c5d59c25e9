package sandbox

import (
	"strings"
	"testing"
	"unicode"
)

func TestEscapeControl(t *testing.T) {
	cases := map[string]string{
		"plain text\tok":       "plain text\tok",
		"\x1b[31mred\x1b[0m":   `\x1b[31mred\x1b[0m`,
		"bell\a":               `bell\x07`,
		"rtl\u202eevil":        `rtl\u202eevil`,
		"isolate\u2066x\u2069": `isolate\u2066x\u2069`,
		"zero\u200bwidth":      `zero\u200bwidth`,
		"joiner\u200dx":        `joiner\u200dx`,
		"tag\U000E0041":        `tag\U000e0041`,
		"cancel tag\U000E007F": `cancel tag\U000e007f`,
		"soft\u00adhyphen":     `soft\xadhyphen`,
		"heart\u2764\ufe0f":    "heart\u2764\\ufe0f",
		"selector\U000E0100":   `selector\U000e0100`,
		"filler\u3164\u115f":   `filler\u3164\u115f`,
		"grapheme\u034fjoiner": `grapheme\u034fjoiner`,
		"braille\u2800blank":   `braille\u2800blank`,
		"no-break\u00a0space":  `no-break\xa0space`,
		"line\u2028separator":  `line\u2028separator`,
		"bom\ufeff":            `bom\ufeff`,
		"private\ue000use":     `private\ue000use`,
		"bad\xffbyte":          `bad\xffbyte`,
		`back\slash`:           `back\\slash`,
		"héllo wörld 日本 ✓ é":   "héllo wörld 日本 ✓ é",
		"c1 control \u009b[m":  `c1 control \x9b[m`,
	}
	for in, want := range cases {
		if got := EscapeControl(in); got != want {
			t.Errorf("EscapeControl(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every character of the classes that hide text is escaped, whichever one:
// controls but tab, format characters (zero-width, bidi, tags), separators
// but space, private use, variation selectors and the other default-
// ignorable code points.
func TestEscapeControlHidesNoInvisibleCharacter(t *testing.T) {
	tables := []*unicode.RangeTable{unicode.Cc, unicode.Cf, unicode.Co, unicode.Zs, unicode.Zl, unicode.Zp,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point}
	for _, tab := range tables {
		for _, r16 := range tab.R16 {
			for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
				wantEscaped(t, r)
			}
		}
		for _, r32 := range tab.R32 {
			for r := rune(r32.Lo); r <= rune(r32.Hi); r += rune(r32.Stride) {
				wantEscaped(t, r)
			}
		}
	}
	for r := rune(0xe0000); r <= 0xe007f; r++ { // tags, assigned or not
		wantEscaped(t, r)
	}
}

func wantEscaped(t *testing.T, r rune) {
	t.Helper()
	if r == ' ' || r == '\t' {
		return
	}
	if got := EscapeControl(string(r)); strings.ContainsRune(got, r) || got == "" {
		t.Errorf("U+%04X shown as %q", r, got)
	}
}

// EscapeJSON leaves JSON's own escapes alone: what it shows reads as the
// same JSON, with the invisible made visible.
func TestEscapeJSON(t *testing.T) {
	in := "{\"q\":\"say \\\"hi\\\" \\u200b\u200b\U000e0041\xff\",\"p\":\"C:\\\\dir\"}"
	want := `{"q":"say \"hi\" \u200b\u200b\U000e0041\xff","p":"C:\\dir"}`
	if got := EscapeJSON(in); got != want {
		t.Errorf("EscapeJSON(%q) = %q, want %q", in, got, want)
	}
}
