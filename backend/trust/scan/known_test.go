package scan

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// A configured secret with characters that every encoding spells its own
// way: URL and JSON escapes, HTML escapes, and a non-ASCII letter.
const oddSecret = `p@ss/w0rd+"q"&<t> é`

func TestKnownSecretsAreFoundInEveryEncoding(t *testing.T) {
	known := NewSecrets(oddSecret)
	goJSON, _ := json.Marshal(oddSecret)
	spelt := map[string]string{
		"verbatim":               oddSecret,
		"base64":                 base64.StdEncoding.EncodeToString([]byte(oddSecret)),
		"base64 without padding": base64.RawStdEncoding.EncodeToString([]byte(oddSecret)),
		"base64url":              base64.URLEncoding.EncodeToString([]byte(oddSecret)),
		"base64url, unpadded":    base64.RawURLEncoding.EncodeToString([]byte(oddSecret)),
		"hex":                    hex.EncodeToString([]byte(oddSecret)),
		"HEX":                    strings.ToUpper(hex.EncodeToString([]byte(oddSecret))),
		"query escaped":          url.QueryEscape(oddSecret),
		"path escaped":           url.PathEscape(oddSecret),
		"JSON, as Go writes it":  string(goJSON[1 : len(goJSON)-1]),
		"JSON, as JavaScript":    `p@ss/w0rd+\"q\"&<t> é`,
		"JSON, ASCII only":       `p@ss/w0rd+\"q\"&<t> \u00e9`,
	}
	for name, s := range spelt {
		t.Run(name, func(t *testing.T) {
			text := "config dump: token=" + s + "; end of dump"
			fs := rulesOnly(Output(text, known))
			if len(fs) == 0 || fs[0].Rule != "secret" || !Blocks(fs) {
				t.Fatalf("not found in %q: %v", text, fs)
			}
			red := Redact(text, fs)
			if strings.Contains(red, s) || !strings.HasPrefix(red, "config dump: token=[removed by Bulkhead: the value of a secret configured in Bulkhead") ||
				!strings.HasSuffix(red, "]; end of dump") {
				t.Errorf("redacted: %q", red)
			}
		})
	}
	// As a tool's arguments carry it: a JSON string inside a JSON object.
	args, _ := json.Marshal(map[string]string{"note": "use " + oddSecret})
	if fs := Output(string(args), known); len(fs) != 1 {
		t.Errorf("in JSON arguments %s: %v", args, fs)
	}
}

// Inside a longer base64 blob the secret's bytes start at any offset, so
// its characters differ with the offset and the characters at its edges
// mix in its neighbours' bits: every character holding a bit of it goes.
func TestKnownSecretsAreFoundInsideLongerBase64(t *testing.T) {
	known := NewSecrets(oddSecret)
	for before := range 3 {
		for after := range 3 {
			data := strings.Repeat("x", before) + oddSecret + strings.Repeat("y", after)
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
				text := "blob " + enc.EncodeToString([]byte(data)) + " end"
				fs := Output(text, known)
				if len(fs) == 0 {
					t.Errorf("%d+%d bytes around it: not found in %q", before, after, text)
					continue
				}
				from, to := 5+8*before/6, 5+(8*(before+len(oddSecret))+5)/6
				if fs[0].Start > from || fs[0].End < to {
					t.Errorf("%d+%d bytes around it: found at %d-%d of %q, want %d-%d covered", before, after, fs[0].Start, fs[0].End, text, from, to)
				}
			}
		}
	}
}

func TestKnownSecretsLeaveLookAlikesAlone(t *testing.T) {
	known := NewSecrets(oddSecret, configSecret)
	other := `p@ss/w0rd+"q"&<t> e` // one letter off
	honest := []string{
		"the value p@ss/w0r is not it", // a prefix, shorter than any spelling
		base64.StdEncoding.EncodeToString([]byte(other)),
		hex.EncodeToString([]byte(other)),
		url.QueryEscape(other),
		"correct horse battery staple, spelt with spaces, and correct-horse-battery alone",
		base64.StdEncoding.EncodeToString([]byte("correct-horse-battery-stapl")),
		"sha256 " + hex.EncodeToString([]byte("an honest digest of 32 bytes...")),
	}
	for _, text := range honest {
		if fs := rulesOnly(Output(text, known)); len(fs) != 0 {
			t.Errorf("honest text flagged: %q: %v", text, fs)
		}
	}
}
