package scan

import (
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// hiddenSecret stands in an excerpt where a secret was.
const hiddenSecret = "[secret hidden]"

// secretsIn are the secrets a text holds, as findings: the secret rules'
// matches and the known values in every spelling. m is the text's marks.
func secretsIn(text string, m marks, known *Secrets) []Finding {
	return known.find(matchRules(nil, text, m, secretRuleSet), text)
}

// holdsSecret reports whether text holds any secret.
func holdsSecret(text string, known *Secrets) bool {
	return len(secretsIn(text, markAnchors(text), known)) > 0
}

// conceal makes the excerpts of fs show no secret, whatever rule made
// them: every span of a secret finding among fs or more (the secrets of a
// definition's text, which are not findings there) is replaced in the
// excerpts that reach it. A secret finding's own excerpt shows no text.
func conceal(fs []Finding, text string, more []Finding) {
	var secrets []Finding
	for _, group := range [][]Finding{fs, more} {
		for _, f := range group {
			if f.Rule == "secret" {
				secrets = append(secrets, f)
			}
		}
	}
	if len(secrets) == 0 {
		return
	}
	slices.SortFunc(secrets, func(a, b Finding) int { return a.Start - b.Start })
	for i := range fs {
		if fs[i].Rule == "secret" {
			continue
		}
		from, to := excerptBounds(text, fs[i].Start, fs[i].End)
		var b strings.Builder
		at := from
		for _, s := range secrets {
			if s.End <= at || s.Start >= to {
				continue
			}
			b.WriteString(text[at:max(at, s.Start)])
			b.WriteString(hiddenSecret)
			at = s.End
		}
		if at == from {
			continue // no secret within reach
		}
		if at < to {
			b.WriteString(text[at:to])
		}
		fs[i].Excerpt = sandbox.EscapeControl(b.String())
	}
}
