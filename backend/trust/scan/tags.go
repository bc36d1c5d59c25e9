package scan

import "strings"

// Markup that speaks to the model outside what a person sees: tags named
// for instructions (<IMPORTANT>, <system>), chat-template tokens
// (<|im_start|>, [INST], <<SYS>>) and, in definitions, HTML comments.
// Found by reading each < and [ rather than by a regular expression, so
// a text full of them costs no more than its length.

// modelTags are tag names that address the model; results use only the
// first ones, since honest XML has <system>, <context> and <user>.
var modelTags = map[string]bool{
	"important": true, "instructions": true, "instruction": true, "ai_instructions": true, "ai_instruction": true,
	"note_to_ai": true, "system_message": true, "system_prompt": true, "system-reminder": true, "system_reminder": true,
	"assistant_only": true, "information": true, "critical": true,
}

var definitionTags = map[string]bool{
	"system": true, "admin": true, "secret": true, "hidden": true, "assistant": true, "sys": true, "context": true, "prompt": true,
}

const hiddenMarkupReason = "markup that addresses the model outside the visible description"

// hiddenMarkup appends a finding for each such tag; inDefinition adds the
// tag names only a definition has no use for, and HTML comments.
func hiddenMarkup(out []Finding, text string, inDefinition bool) []Finding {
	closes := closings{text: text}
	for i := 0; i < len(text); i++ {
		var end int
		switch text[i] {
		case '<':
			end = tagAt(text, i, inDefinition, &closes)
		case '[':
			end = instAt(text, i)
		default:
			j := strings.IndexAny(text[i:], "<[")
			if j < 0 {
				return out
			}
			i += j - 1
			continue
		}
		if end > i {
			out = append(out, finding("hidden-markup", High, text, i, end, hiddenMarkupReason))
			i = end - 1
		}
	}
	return out
}

// tagAt is the end of a model-addressing tag at text[i] == '<', or 0.
func tagAt(text string, i int, inDefinition bool, closes *closings) int {
	rest := text[i+1:]
	switch {
	case strings.HasPrefix(rest, "!--"):
		// A comment hides what it says where the text is shown as HTML; one
		// that says nothing (<!-- -->), an Outlook conditional (<!--[if
		// mso]>) or the marker written as code (`<!--`) hides nothing.
		if !inDefinition || strings.HasPrefix(rest, "!--[") || i > 0 && text[i-1] == '`' {
			return 0
		}
		body := rest[3:]
		if j := strings.Index(body, "-->"); j >= 0 {
			body = body[:j]
		}
		if letters(body) < 8 {
			return 0
		}
		return i + 4
	case strings.HasPrefix(rest, "|"): // <|im_start|>, <|system|>; chat templates in results hold them honestly
		if !inDefinition {
			return 0
		}
		j := 1
		for j < len(rest) && j < 40 && (lower(rest[j]) >= 'a' && lower(rest[j]) <= 'z' || rest[j] == '_') {
			j++
		}
		if j > 1 && strings.HasPrefix(rest[j:], "|>") {
			return i + 1 + j + 2
		}
		return 0
	case strings.HasPrefix(rest, "<"): // <<SYS>>, << /SYS >>
		j := 1
		for j < len(rest) && j < 8 && (rest[j] == ' ' || rest[j] == '/') {
			j++
		}
		if len(rest) >= j+3 && strings.EqualFold(rest[j:j+3], "sys") {
			k := j + 3
			for k < len(rest) && k < j+8 && rest[k] == ' ' {
				k++
			}
			if strings.HasPrefix(rest[k:], ">>") {
				return i + 1 + k + 2
			}
		}
		return 0
	}
	// <NAME>, </NAME>, <NAME attr="...">, and tags of several words
	// (<CRITICAL SYSTEM ALERT>) whose first word is such a name.
	j := 0
	for j < len(rest) && j < 4 && (rest[j] == '/' || rest[j] == ' ') {
		j++
	}
	k := j
	for k < len(rest) && k-j < 32 && (isLetter(rest[k]) || rest[k] == '_' || rest[k] == '-') {
		k++
	}
	name := strings.ToLower(rest[j:k])
	if !modelTags[name] && !(inDefinition && definitionTags[name]) {
		return 0
	}
	close := strings.IndexByte(rest[k:min(len(rest), k+80)], '>')
	if close < 0 || strings.ContainsAny(rest[k:k+close], "<\n") || k < len(rest) && rest[k] != '>' && rest[k] != ' ' && rest[k] != '/' {
		return 0
	}
	// A value's placeholder the way usage lines write one (--vault
	// <secret>, gemini -p <prompt>): lower case, opening, and never closed,
	// where a tag that hides text holds it up to its end
	// (<secret>...</secret>) or shouts.
	if !modelTags[name] && j == 0 && name == rest[j:k] && closes.lastOf(name) < i+1+k {
		return 0
	}
	return i + 1 + k + close + 1
}

// closings finds, once per tag name, where in text the last closing tag
// of that name starts, so that a text of many placeholders is read once
// for each name, not once for each placeholder.
type closings struct {
	text string
	last map[string]int // -1 for a name never closed
}

func (c *closings) lastOf(name string) int {
	at, ok := c.last[name]
	if !ok {
		at = -1
		foldedAt(c.text, "</"+name, func(i int) { at = i })
		if c.last == nil {
			c.last = map[string]int{}
		}
		c.last[name] = at
	}
	return at
}

// letters counts the ASCII letters of s, up to 8.
func letters(s string) int {
	n := 0
	for i := 0; i < len(s) && n < 8; i++ {
		if isLetter(s[i]) {
			n++
		}
	}
	return n
}

// instAt is the end of [INST] or [/INST] at text[i] == '[', or 0.
func instAt(text string, i int) int {
	for _, t := range []string{"[inst]", "[/inst]"} {
		if len(text) >= i+len(t) && strings.EqualFold(text[i:i+len(t)], t) {
			return i + len(t)
		}
	}
	return 0
}
