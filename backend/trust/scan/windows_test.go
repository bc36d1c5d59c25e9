package scan

import (
	"fmt"
	"strings"
	"testing"
)

// Each rule's expression reads only windows around its anchors; it finds
// there what it finds reading the whole text, on every text of the
// corpus and on texts that put a secret at the edges of its window.
func TestWindowsFindWhatTheWholeTextHolds(t *testing.T) {
	c := loadCorpusT(t)
	texts := []string{
		"x AKIAIOSFODNN7EXAMPLZ y",
		strings.Repeat("sk-", 300) + "sk-ant-" + strings.Repeat("Qw9", 10),
		"-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("MIIEpAIBAAKCAQEA75x9q\n", 400) + "-----END RSA PRIVATE KEY-----",
		"9AKIAIOSFODNN7EXAMPLZ and aws_secret_access_key = " + strings.Repeat("aB3/", 10),
		`<a href="javascript:steal()">x</a> <img src=x onerror="go()"> <iframe src="https://e.example">`,
		"token: eyJ" + strings.Repeat("hbGciOiJSUzI1NiIsImtpZCI6", 40) + ".eyJ" + strings.Repeat("zdWIiOiIxMjM0NTY3ODkwIiwib", 30) + "." + strings.Repeat("SflKxwRJSMeKKF2QT4fwpM", 20),
		"Authorization: ghp_" + strings.Repeat("A1b2C3d4E5", 80) + " and sk-" + strings.Repeat("Zz9", 300),
		"<script>" + strings.Repeat("a", 5000) + "</script> <img src=x " + strings.Repeat("data-x=1 ", 600) + `onerror="go()">`,
		"-----BEGIN PRIVATE KEY-----\n" + strings.Repeat("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n", 700) + "-----END PRIVATE KEY-----",
	}
	for _, r := range c.results {
		texts = append(texts, r.text)
	}
	for _, d := range c.defs {
		if s, ok := d.def.(string); ok {
			texts = append(texts, s)
		} else if m, ok := d.def.(map[string]any); ok {
			if s, ok := m["description"].(string); ok {
				texts = append(texts, s)
			}
		}
	}
	for _, text := range texts {
		m := markAnchors(text)
		for i := range patternRules {
			r := &patternRules[i]
			want := r.re.FindAllStringIndex(text, -1)
			var got [][]int
			for _, w := range windows(text, r, i, m.secretAt) {
				for _, s := range r.re.FindAllStringIndex(text[w[0]:w[1]], -1) {
					got = append(got, []int{w[0] + s[0], w[0] + s[1]})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rule %q on %.80q: windows find %v, the whole text %v", r.reason, text, got, want)
			}
		}
	}
}
