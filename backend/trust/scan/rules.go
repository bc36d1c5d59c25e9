package scan

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// A pattern rule: text matching re is a finding. The regular expression
// runs only on text that contains one of its anchors (lower case), which
// keeps a listing of many honest definitions cheap.
type patternRule struct {
	id       string
	severity Severity
	reason   string
	anchors  []string
	re       *regexp.Regexp
}

// Rules that read text. Phrases addressed to the model are given in the
// languages poisoned definitions have been seen in; they are about the
// reader (the model), never about what the tool does, which is what keeps
// honest descriptions clear of them.
var textRules = []patternRule{
	{"hidden-markup", High, "markup that addresses the model outside the visible description", []string{"<", "[inst", "[/inst"},
		regexp.MustCompile(`(?i)</?\s*(important|system|instructions?|admin|secret|hidden|assistant|sys|context|prompt|note_to_ai|ai_instructions?)\s*>|<\|[a-z_]+\|>|\[/?INST\]|<<\s*/?SYS\s*>>|<!--`)},
	{"model-directive", High, "an instruction to the model to hide something from the user or override its instructions",
		[]string{"user", "ignor", "disregard", "system", "mode", "usuario", "utilisateur", "anweisung", "benutzer", "nutzer", "忽略", "用户", "ユーザー", "指示"},
		regexp.MustCompile(`(?i)\b(do\s+not|don'?t|never)\s+(tell|mention|inform|notify|reveal\s+(this|it)\s+to|show\s+(this|it)\s+to|let)\s+(to\s+)?the\s+user|without\s+(telling|informing|notifying|asking)\s+the\s+user|the\s+user\s+(must|should)\s+not\s+(know|see|be\s+told)|ignore\s+(all\s+)?(the\s+)?(previous|prior|above|earlier|other)\s+(instructions|rules|prompts?)|disregard\s+(all\s+)?(previous|prior|your)\s+(instructions|rules)|(new|updated|override)\s+system\s+(prompt|instructions)|you\s+are\s+now\s+(in\s+)?(developer|admin|god)\s+mode|ignora\s+(todas\s+)?las\s+instrucciones|no\s+(le\s+)?(digas|informes|menciones)\s+(nada\s+)?al\s+usuario|ignorez?\s+(toutes\s+)?les\s+instructions|ne\s+(dites|dis)\s+rien\s+à\s+l'utilisateur|ignoriere?\s+(alle\s+)?(vorherigen\s+)?anweisungen|sag(e|en\s+sie)?\s+dem\s+(benutzer|nutzer)\s+nichts|忽略(之前|以前|上面)?的?(所有)?(指令|指示)|不要告诉用户|不要让用户知道|ユーザーに(は)?(言わ|伝え|知らせ)ないで|以前の指示を無視`)},
	{"model-directive", Medium, "an instruction to the model about other tools or the order of calls",
		[]string{"before", "must", "always", "precedence", "priority", "instead", " ai", "dear"},
		regexp.MustCompile(`(?i)\bbefore\s+(using|calling|invoking|running)\s+(any|this|other|another|the)\b[^.]{0,40}\btools?\b|\b(you\s+)?must\s+(always\s+)?(first\s+)?(call|use|invoke)\s+this\s+tool\b|\balways\s+(call|use|invoke)\s+this\s+tool\s+(first|before)|\bthis\s+(tool|instruction)\s+(takes|has)\s+(precedence|priority)\s+over|\binstead\s+of\s+(calling|using)\s+(the\s+)?\S+\s+tool|\b(as\s+an?\s+ai|dear\s+(ai|assistant|model|llm|claude|agent))\b`)},
	{"sensitive-file", High, "asks for a credential or private file",
		[]string{"ssh", "id_", ".aws", "netrc", "credential", ".npmrc", ".pypirc", ".docker", ".kube", "shadow", "config.json", ".env", "key", "token", "password", "secret", "私钥", "密码"},
		regexp.MustCompile(`(?i)\b(read|cat|include|send|pass|upload|attach|paste|copy|provide|extract|exfiltrate|lee|envía|incluye|lire|envoie|lies|sende|读取|发送)\b[^.\n]{0,60}(~/\.ssh|id_rsa|id_ed25519|\.aws/credentials|\.netrc|\.git-credentials|\.npmrc|\.pypirc|\.docker/config\.json|\.kube/config|/etc/shadow|claude_desktop_config\.json|mcp\.json|\.env\b|private\s+key|api[\s_-]?keys?|access\s+tokens?|passwords?|secrets?|credentials|私钥|密码)`)},
	{"encoded-blob", Medium, "a long encoded blob a person cannot read", nil,
		regexp.MustCompile(`[A-Za-z0-9+/]{60,}={0,2}|\b[0-9a-fA-F]{80,}\b`)},
}

// Text scans one text for the rules that need nothing but the text.
func Text(field, text string) []Finding {
	var out []Finding
	lower := strings.ToLower(text)
	for _, r := range textRules {
		if r.anchors == nil && !hasRun(text, 60) || r.anchors != nil && !containsAny(lower, r.anchors) {
			continue
		}
		for _, m := range r.re.FindAllStringIndex(text, -1) {
			if r.id == "encoded-blob" && !looksEncoded(text[m[0]:m[1]]) {
				continue
			}
			out = append(out, finding(r.id, r.severity, field, text, m[0], m[1], r.reason))
		}
	}
	return append(out, characters(field, text)...)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// hasRun reports a run of at least n characters that could be base64 or hex.
func hasRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// looksEncoded tells an encoded blob from a long word or path: it mixes
// cases and digits, or is hex.
func looksEncoded(s string) bool {
	var upper, lower, digit bool
	for _, r := range s {
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
		digit = digit || unicode.IsDigit(r)
	}
	return (upper && lower && digit) || strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// characters flags terminal escapes and characters a person cannot see.
func characters(field, text string) []Finding {
	var out []Finding
	for i, r := range text {
		size := utf8.RuneLen(r)
		switch {
		case r == utf8.RuneError:
			continue
		case r == 0x1b || r == 0x9b:
			out = append(out, finding("terminal-escape", High, field, text, i, i+size, "a terminal escape sequence, which can rewrite what a person sees"))
		case r < 0x20 && r != '\n' && r != '\t' && r != '\r', r >= 0x7f && r < 0xa0:
			out = append(out, finding("terminal-escape", Medium, field, text, i, i+size, "a control character"))
		case r >= 0xe0000 && r <= 0xe007f:
			out = append(out, finding("invisible-char", High, field, text, i, i+size, "a Unicode tag character: invisible text a model still reads"))
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			out = append(out, finding("invisible-char", High, field, text, i, i+size, "a bidirectional override, which shows text in another order than a model reads it"))
		case r >= 0x200b && r <= 0x200f, r >= 0x2060 && r <= 0x2064, r == 0xfeff, r == 0x00ad, r == 0x180e:
			out = append(out, finding("invisible-char", Medium, field, text, i, i+size, "a zero-width or invisible character"))
		}
	}
	return out
}

func finding(rule string, sev Severity, field, text string, start, end int, reason string) Finding {
	return Finding{Rule: rule, Severity: sev, Field: field, Start: start, End: end,
		Excerpt: sandbox.EscapeControl(excerpt(text, start, end)), Reason: reason}
}

// excerpt is the span with a little context, at most about 120 bytes.
func excerpt(text string, start, end int) string {
	from, to := max(0, start-30), min(len(text), end+30)
	if end-start > 60 {
		to = start + 60
	}
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return text[from:to]
}
