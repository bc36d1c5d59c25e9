package scan

import (
	"regexp"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// A pattern rule: text matching re is a finding. The regular expression
// runs only on text that contains one of its anchors (see anchors.go),
// which keeps a listing of many honest definitions cheap. Anchors are lower
// case; one that starts with a letter must start a word.
type patternRule struct {
	id       string
	severity Severity
	reason   string
	anchors  []string
	re       *regexp.Regexp
}

// Verbs that move or read data, for the credential rules; the CJK ones
// stand outside \b, which only knows ASCII words.
const (
	accessVerbs   = `(?:\b(?:read|cat|open|include|send|pass|upload|attach|paste|copy|provide|extract|exfiltrate|export|dump|lee|leer|envía|envia|incluye|lire|envoie|lies|sende)\b|读取|发送)`
	transferVerbs = `(?:\b(?:send|pass|include|upload|attach|paste|copy|provide|export|dump|forward|share|exfiltrate|envía|incluye|envoie|sende)\b|发送)`
)

// Reasons shared by the rules below.
const (
	concealOrOverride = "an instruction to the model to hide something from the user or override its instructions"
	callOrder         = "an instruction to the model about other tools or the order of calls"
)

// Rules that read text. Phrases addressed to the model are given in the
// languages poisoned definitions have been seen in; they are about the
// reader (the model), never about what the tool does, which is what keeps
// honest descriptions clear of them. Each regular expression is kept small
// with anchors of its own: one large alternation costs a megabyte of tool
// output most of a second, where these cost tens of milliseconds.
var textRules = []patternRule{
	{"hidden-markup", High, "markup that addresses the model outside the visible description", []string{"<", "[inst", "[/inst"},
		regexp.MustCompile(`(?i)</?\s*(important|system|instructions?|admin|secret|hidden|assistant|sys|context|prompt|note_to_ai|ai_instructions?)\s*>|<\|[a-z_]+\|>|\[/?INST\]|<<\s*/?SYS\s*>>|<!--`)},

	// Hiding from the user, overriding instructions.
	{"model-directive", High, concealOrOverride, []string{"not", "don", "never"},
		regexp.MustCompile(`(?i)\b(do\s+not|don'?t|never)\s+(tell|mention|inform|notify|reveal\s+(this|it)\s+to|show\s+(this|it)\s+to|let)\s+(to\s+)?the\s+user`)},
	{"model-directive", High, concealOrOverride, []string{"without"},
		regexp.MustCompile(`(?i)\bwithout\s+(telling|informing|notifying|asking)\s+the\s+user`)},
	{"model-directive", High, concealOrOverride, []string{"must", "should"},
		regexp.MustCompile(`(?i)\bthe\s+user\s+(must|should)\s+not\s+(know|see|be\s+told)`)},
	{"model-directive", High, concealOrOverride, []string{"ignor", "disregard"},
		regexp.MustCompile(`(?i)\bignore\s+(all\s+)?(the\s+)?(previous|prior|above|earlier|other)\s+(instructions|rules|prompts?)|\bdisregard\s+(all\s+)?(previous|prior|your)\s+(instructions|rules)|` +
			// Spanish, Italian, Portuguese, French, German
			`\bignora\s+(todas\s+|tutte\s+)?(las|le)\s+(instrucciones|istruzioni)|\bignore\s+(todas\s+)?as\s+instruções|\bignorez?\s+(toutes\s+)?les\s+instructions|\bignoriere?\s+(alle\s+)?(vorherigen\s+)?anweisungen`)},
	{"model-directive", High, concealOrOverride, []string{"system", "mode"},
		regexp.MustCompile(`(?i)\b(new|updated|override)\s+system\s+(prompt|instructions)|\byou\s+are\s+now\s+(in\s+)?(developer|admin|god)\s+mode`)},
	{"model-directive", High, concealOrOverride, []string{"usuario", "usuário", "utente", "utilisateur", "benutzer", "nutzer"},
		regexp.MustCompile(`(?i)\bno\s+(le\s+)?(digas|informes|menciones)\s+(nada\s+)?al\s+usuario|não\s+(conte|diga|informe|mencione)\s+(nada\s+)?ao\s+usuário|\bnon\s+(dire|dirlo|informare)\s+(nulla\s+)?all'utente|\bne\s+(dites|dis)\s+rien\s+à\s+l'utilisateur|\bsag(e|en\s+sie)?\s+dem\s+(benutzer|nutzer)\s+nichts`)},
	{"model-directive", High, concealOrOverride, []string{"пользовател", "игнорир", "忽略", "用户", "ユーザー", "指示", "사용자", "무시"},
		regexp.MustCompile(`(?i)игнорируй(те)?\s+(все\s+)?(предыдущие\s+)?инструкции|не\s+(говори|сообщай)(те)?\s+пользователю|` +
			`忽略(之前|以前|上面)?的?(所有)?(指令|指示)|不要告诉用户|不要让用户知道|ユーザーに(は)?(言わ|伝え|知らせ)ないで|以前の指示を無視|사용자에게\s*(알리지|말하지)\s*마|이전\s*(의\s*)?지시(를|사항을)?\s*무시`)},

	// Line jumping: the order of calls, other tools, letters to the model.
	{"model-directive", Medium, callOrder, []string{"before"},
		regexp.MustCompile(`(?i)\bbefore\s+((using|calling|invoking|running)\s+)?(any|other|another)\s+(other\s+)?tools?\b|\bbefore\s+(using|calling|invoking|running)\s+(this|the)\b[^.]{0,40}\btools?\b`)},
	{"model-directive", Medium, callOrder, []string{"must", "always", "precedence", "priority", "instead"},
		regexp.MustCompile(`(?i)\b(you\s+)?must\s+(always\s+)?(first\s+)?(call|use|invoke)\s+this\s+tool\b|\balways\s+(call|use|invoke)\s+this\s+tool\s+(first|before)|\bthis\s+(tool|instruction)\s+(takes|has)\s+(precedence|priority)\s+over|\binstead\s+of\s+(calling|using)\s+(the\s+)?\S+\s+tool`)},
	{"model-directive", Medium, callOrder, []string{" ai", "dear"},
		regexp.MustCompile(`(?i)\b(as\s+an?\s+ai|dear\s+(ai|assistant|model|llm|claude|agent))\b`)},

	{"sensitive-file", High, "asks for a private file: keys, credentials or a client's configuration",
		[]string{".ssh", "id_rsa", "id_ed25519", "id_ecdsa", ".aws", ".netrc", ".git-cred", ".npmrc", ".pypirc", ".docker", ".kube", "/etc/shadow", ".gnupg", "claude_desktop", "mcp.json", ".env", "私钥"},
		regexp.MustCompile(`(?i)` + accessVerbs + `[^.\n]{0,60}?(~/\.ssh|id_rsa|id_ed25519|id_ecdsa|\.aws/credentials|\.netrc|\.git-credentials|\.npmrc|\.pypirc|\.docker/config\.json|\.kube/config|/etc/shadow|\.gnupg|claude_desktop_config\.json|mcp\.json|\.env\b|私钥)`)},

	{"sensitive-file", High, "asks for the user's credentials",
		[]string{"key", "token", "password", "secret", "credential", "cookie", "密码"},
		regexp.MustCompile(`(?i)` + transferVerbs + `[^.\n]{0,30}?\b(the\s+user'?s|your|all|any|every|saved|stored)\s+(\S+\s+){0,3}?(api[\s_-]?keys?|private\s+keys?|access\s+tokens?|tokens?|passwords?|secrets?|credentials|session\s+cookies|cookies)\b|` + transferVerbs + `[^.\n]{0,30}?密码`)},
}

// Text scans one definition text on its own (a server's instructions):
// markup, instructions to the model, requests for credentials, encoded
// blobs and hidden characters. Of ctx (which may be nil) only the known
// secrets count, which no excerpt shows.
func Text(field, text string, ctx *Context) []Finding {
	var known *Secrets
	if ctx != nil {
		known = ctx.known
	}
	m := markAnchors(text)
	out := scanText(nil, text, m, known)
	conceal(out, text, secretsIn(text, m, known))
	for i := range out {
		out[i].Field = field
	}
	return out
}

// scanText appends the findings of the rules for definition text; the
// caller fills in the field and conceals the secrets the text holds.
func scanText(out []Finding, text string, m marks, known *Secrets) []Finding {
	out = matchRules(out, text, m, textRuleSet)
	out = matchRules(out, text, m, markupRuleSet)
	if m.blobRun {
		out = encodedBlobs(out, text, known)
	}
	if !m.plain {
		out = characters(out, text)
	}
	return out
}

// characters flags terminal escapes and characters a person cannot see.
func characters(out []Finding, text string) []Finding {
	for i, r := range text {
		size := utf8.RuneLen(r)
		switch {
		case r == utf8.RuneError:
			continue
		case r == 0x1b || r == 0x9b:
			out = append(out, finding("terminal-escape", High, text, i, i+size, "a terminal escape sequence, which can rewrite what a person sees"))
		case r == '\r' && (i+1 == len(text) || text[i+1] != '\n'):
			out = append(out, finding("terminal-escape", Medium, text, i, i+size, "a carriage return without a line feed, which lets later text overwrite what a terminal shows"))
		case r < 0x20 && r != '\n' && r != '\t' && r != '\r', r >= 0x7f && r < 0xa0:
			out = append(out, finding("terminal-escape", Medium, text, i, i+size, "a control character"))
		case r >= 0xe0000 && r <= 0xe007f:
			out = append(out, finding("invisible-char", High, text, i, i+size, "a Unicode tag character: invisible text a model still reads"))
		case r >= 0xe0100 && r <= 0xe01ef:
			out = append(out, finding("invisible-char", High, text, i, i+size, "a supplementary variation selector, which can carry hidden data"))
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			out = append(out, finding("invisible-char", High, text, i, i+size, "a bidirectional override, which shows text in another order than a model reads it"))
		case r >= 0x200b && r <= 0x200f, r >= 0x2060 && r <= 0x2064, r == 0xfeff, r == 0x00ad, r == 0x180e:
			out = append(out, finding("invisible-char", Medium, text, i, i+size, "a zero-width or invisible character"))
		}
	}
	return out
}

func finding(rule string, sev Severity, text string, start, end int, reason string) Finding {
	from, to := excerptBounds(text, start, end)
	return Finding{Rule: rule, Severity: sev, Start: start, End: end,
		Excerpt: sandbox.EscapeControl(text[from:to]), Reason: reason}
}

// excerptBounds are those of the span with a little context, at most about
// 120 bytes.
func excerptBounds(text string, start, end int) (from, to int) {
	from, to = max(0, start-30), min(len(text), end+30)
	if end-start > 60 {
		to = start + 60
	}
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return from, to
}
