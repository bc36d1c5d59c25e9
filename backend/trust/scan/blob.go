package scan

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// blobMin is the shortest run of base64 or hex characters looked at: 30
// bytes of hidden text.
const blobMin = 40

var blobRe = regexp.MustCompile(`[A-Za-z0-9+/_-]{` + strconv.Itoa(blobMin) + `,}={0,2}`)

// encodedBlobs flags runs of base64 or hex. One that decodes to readable
// text is text hidden from a person, and withheld; a long one that
// decodes to bytes is noted only, since hashes, keys and ids are honest.
// One that decodes to a secret (known, or matching a secret rule) is a
// secret, and what it decodes to is never shown.
func encodedBlobs(out []Finding, text string, known *Secrets) []Finding {
	for _, m := range blobRe.FindAllStringIndex(text, -1) {
		blob := text[m[0]:m[1]]
		decoded, ok := decodeBlob(blob)
		if ok && holdsSecret(string(decoded), known) {
			out = append(out, secretFinding(m[0], m[1], "encoded text holding a secret"))
		} else if ok && readable(decoded) {
			out = append(out, finding("encoded-blob", Medium, text, m[0], m[1],
				"encoded text a person cannot read; it decodes to \""+sandbox.EscapeControl(shorten(decoded, 60))+"\""))
		} else if len(blob) >= 60 && mixed(blob) {
			out = append(out, finding("encoded-blob", Low, text, m[0], m[1], "a long encoded blob a person cannot read"))
		}
	}
	return out
}

// decodeBlob reads s as hex, or as base64 in either alphabet, padded or
// not.
func decodeBlob(s string) ([]byte, bool) {
	if b, err := hex.DecodeString(s); err == nil {
		return b, true
	}
	raw := strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(raw); err == nil {
			return b, true
		}
	}
	return nil, false
}

// readable reports bytes that are text: valid UTF-8, nearly all printable,
// with some spaces between words.
func readable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	var printable, spaces, total int
	for _, r := range string(b) {
		total++
		if unicode.IsPrint(r) || r == '\n' || r == '\t' {
			printable++
		}
		if r == ' ' {
			spaces++
		}
	}
	return total > 0 && printable*100 >= total*95 && spaces*30 >= total
}

// mixed tells an encoded blob from a long word or path: it mixes cases and
// digits.
func mixed(s string) bool {
	var upper, lower, digit bool
	for _, r := range s {
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
		digit = digit || unicode.IsDigit(r)
	}
	return upper && lower && digit
}

func shorten(b []byte, n int) string {
	s := string(b)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
