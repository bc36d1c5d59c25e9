package scan

import (
	"fmt"
	"regexp"
	"strings"
)

// confusables maps characters that pass for others onto one skeleton.
var confusables = strings.NewReplacer(
	"0", "o", "1", "l", "i", "l", "|", "l", "rn", "m", "vv", "w", "-", "_", ".", "_",
	// Cyrillic and Greek letters drawn like Latin ones.
	"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "у", "y", "х", "x", "і", "l", "ј", "j", "ѕ", "s", "ԁ", "d", "һ", "h",
	"ο", "o", "α", "a", "ν", "v", "ρ", "p", "τ", "t", "ι", "l", "κ", "k", "ε", "e",
)

func skeleton(name string) string { return confusables.Replace(strings.ToLower(name)) }

// names checks a definition's own name: characters that pass for others,
// and look-alikes of other servers' tools.
func names(field, name string, ctx *Context) []Finding {
	var out []Finding
	for i, r := range name {
		if r > 0x7f {
			out = append(out, finding("homoglyph-name", High, field, name, i, i+len(string(r)),
				"a non-ASCII character in a name, which can pass for another name"))
			break
		}
	}
	for _, other := range ctx.skeletons[skeleton(name)] {
		if other != name {
			out = append(out, finding("homoglyph-name", High, field, name, 0, len(name),
				fmt.Sprintf("looks like tool %q of server %q", other, ctx.others[other])))
		}
	}
	return out
}

// shadowing flags text that speaks of another server's tools: a
// definition has no business steering how others are used.
func shadowing(field, text string, ctx *Context) []Finding {
	if len(ctx.mentionable) == 0 {
		return nil
	}
	var out []Finding
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && isNameByte(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if other, ok := ctx.mentionable[strings.ToLower(text[start:i])]; ok {
				out = append(out, finding("shadowing", Medium, field, text, start, i,
					fmt.Sprintf("mentions tool %q of server %q: instructions about another server's tools", other, ctx.others[other])))
			}
			start = -1
		}
	}
	return out
}

// isNameByte is a byte that can be part of a tool name.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// toolLike tells a tool name from an ordinary word that happens to be one
// ("search"): it has an underscore, hyphen or inner capital.
func toolLike(name string) bool {
	return len(name) >= 4 && (strings.ContainsAny(name, "_-") || strings.ToLower(name[1:]) != name[1:])
}

var (
	exfilDescription = regexp.MustCompile(`(?i)\b(entire|full|whole|complete|all)\s+(conversation|chat|message|context)(\s+history)?\b|\b(previous|prior|earlier)\s+messages\b|\bsystem\s+prompt\b|\b(contents?|text)\s+of\s+(any|all|every)\s+(other\s+)?(files?|documents?)\b|\beverything\s+(you|the\s+user)\s+(know|knows|said|have\s+seen)\b|\binclude\s+(all|any)\s+(other\s+)?(tool\s+)?(results|outputs|responses)\b|\b(other|previous)\s+tools?'\s*(results|outputs)\b`)
	exfilName        = regexp.MustCompile(`(?i)^(side_?note|conversation(_?history)?|chat_?history|full_?context|system_?prompt|previous_?messages|all_?messages|memory_?dump|hidden_?notes?)$`)
)

// exfilAnchors are words every exfilDescription match contains.
var exfilAnchors = []string{"conversation", "chat", "message", "context", "prompt", "content", "text of", "everything", "include", "tool"}

func isParamDescription(field string) bool {
	return strings.Contains(field, "properties.") && strings.HasSuffix(field, ".description")
}

// exfilParameter flags a free-text parameter that invites the model to
// pour the conversation or other data into it.
func exfilParameter(field, text string) []Finding {
	var out []Finding
	re, reason := exfilDescription, "a parameter that asks for the conversation, the system prompt or other data the tool has no need of"
	if strings.HasSuffix(field, "#name") {
		re, reason = exfilName, "a parameter named to collect the conversation or hidden notes"
	} else if !containsAny(strings.ToLower(text), exfilAnchors) {
		return nil
	}
	for _, m := range re.FindAllStringIndex(text, -1) {
		out = append(out, finding("exfil-parameter", High, field, text, m[0], m[1], reason))
	}
	return out
}
