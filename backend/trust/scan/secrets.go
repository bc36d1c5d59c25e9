package scan

import (
	"fmt"
	"regexp"
	"strings"
)

// Secret rules find credentials in what servers return. A finding's
// excerpt names the kind of secret and never shows it.
var secretRules = []patternRule{
	{"secret", High, "an AWS access key ID", []string{"akia", "asia", "abia", "acca"},
		regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`)},
	{"secret", High, "an AWS secret access key", []string{"aws"},
		regexp.MustCompile(`(?i)aws_?secret_?access_?key\s*["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}\b`)},
	{"secret", High, "a GitHub token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
		regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b`)},
	{"secret", High, "a GitLab token", []string{"glpat-"}, regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}\b`)},
	{"secret", High, "a Slack token or webhook", []string{"xox", "hooks.slack.com"},
		regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}`)},
	{"secret", High, "a Stripe live key", []string{"sk_live_", "rk_live_"}, regexp.MustCompile(`\b[rs]k_live_[A-Za-z0-9]{20,}\b`)},
	{"secret", High, "a Google API key", []string{"aiza"}, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	{"secret", High, "an OpenAI or Anthropic API key", []string{"sk-"}, regexp.MustCompile(`\bsk-(ant-|proj-)?[A-Za-z0-9_-]{20,}\b`)},
	{"secret", High, "an npm or Docker Hub token", []string{"npm_", "dckr_pat_"},
		regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b|\bdckr_pat_[A-Za-z0-9_-]{20,}\b`)},
	{"secret", High, "a private key", []string{"-----begin"},
		regexp.MustCompile(`-----BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----(?s:.*?)(-----END ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----|\z)`)},
	{"secret", High, "a JSON Web Token", []string{"eyj"},
		regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`)},
}

func secretFinding(start, end int, reason string) Finding {
	return Finding{Rule: "secret", Severity: High, Start: start, End: end,
		Excerpt: fmt.Sprintf("[%s, %d characters]", reason, end-start), Reason: reason}
}

// placeholder reports whether a match of a secret's pattern is a stand-in
// that documentation shows (glpat-xxxxxxxxxxxxxxxxxxxx, sk-your-key-here):
// a real key has many different characters.
func placeholder(m string) bool {
	low := strings.ToLower(m)
	if strings.Contains(low, "xxxx") || strings.Contains(low, "your") || strings.Contains(low, "0000") {
		return true
	}
	var seen [256]bool
	distinct := 0
	for i := 0; i < len(m); i++ {
		if !seen[m[i]] {
			seen[m[i]] = true
			distinct++
		}
	}
	return distinct < 10
}
