package scan

import (
	"fmt"
	"iter"
	"regexp"
	"strings"
	"unicode/utf8"
)

// confusables maps characters that pass for others onto one skeleton.
var confusables = strings.NewReplacer(
	"0", "o", "1", "l", "i", "l", "|", "l", "rn", "m", "vv", "w", "-", "_", ".", "_",
	// Cyrillic and Greek letters drawn like Latin ones.
	"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "у", "y", "х", "x", "і", "l", "ј", "j", "ѕ", "s", "ԁ", "d", "һ", "h",
	"ο", "o", "α", "a", "ν", "v", "ρ", "p", "τ", "t", "ι", "l", "κ", "k", "ε", "e",
)

// Skeleton maps a name onto the characters it could pass for, so two names
// that look alike have the same skeleton.
func Skeleton(name string) string { return confusables.Replace(strings.ToLower(name)) }

// names checks a definition's own name: characters that pass for others,
// and look-alikes of other servers' tools.
func names(out []Finding, name string, ctx *Context) []Finding {
	for i, r := range name {
		if r > 0x7f {
			out = append(out, finding("homoglyph-name", High, name, i, i+len(string(r)),
				"a non-ASCII character in a name, which can pass for another name"))
			break
		}
	}
	if strings.TrimSpace(name) != name {
		out = append(out, finding("homoglyph-name", Medium, name, 0, len(name),
			"a name padded with spaces, which passes for the name without them"))
	}
	// server__tool is how the gateway and clients (mcp__server__tool)
	// name another server's tool: a server has no cause to name its own so.
	if i := strings.LastIndex(name, "__"); i > 0 {
		if server, ok := ctx.others[name[i+2:]]; ok {
			out = append(out, finding("homoglyph-name", Medium, name, 0, len(name),
				fmt.Sprintf("named as a client names tool %q of server %q", name[i+2:], server)))
		}
	}
	for _, other := range ctx.skeletons[Skeleton(name)] {
		if other == name {
			continue
		}
		// Servers spell the same word with - or _ and in either case:
		// shown, not withheld; other look-alikes (0 for o, Cyrillic) are.
		sev := High
		if strings.EqualFold(strings.ReplaceAll(other, "-", "_"), strings.ReplaceAll(name, "-", "_")) {
			sev = Low
		}
		out = append(out, finding("homoglyph-name", sev, name, 0, len(name),
			fmt.Sprintf("looks like tool %q of server %q", other, ctx.others[other])))
	}
	return out
}

// shadowing flags text that speaks of another server's tools, spelt as
// they are named (a model calls them so; USER_INFO is not user_info): a
// definition has no business steering how others are used. A mention in
// a sentence with no instruction in it (an enum value, "see x") is shown
// to the person; one with an instruction withholds. A name own reports,
// one of the definition's enum values, is one of its own actions.
func shadowing(out []Finding, text string, ctx *Context, own func(string) bool) []Finding {
	if len(ctx.mentionable) == 0 {
		return out
	}
	for start, i := range nameSpans(text) {
		if ctx.lengths[text[start]]&(1<<((i-start)%64)) != 0 {
			if other := text[start:i]; ctx.mentionable[other] && !ctx.siblings[strings.ToLower(other)] && !own(other) {
				sev := Low
				if instructs(sentenceAround(text[:start]+strings.Repeat(" ", i-start)+text[i:], start, i)) { // the name's own words ("send_email") instruct nothing
					sev = Medium
				}
				out = append(out, finding("shadowing", sev, text, start, i,
					fmt.Sprintf("mentions tool %q of server %q: instructions about another server's tools", other, ctx.others[other])))
			}
		}
	}
	return out
}

// sentenceAround is the sentence of text holding [start, end); a dot
// ends one only before a space or a line end, as words reads it.
func sentenceAround(text string, start, end int) string {
	ends := func(i int) bool { return text[i] < utf8.RuneSelf && endsSentenceAt(text, i, rune(text[i])) }
	from := start
	for from > 0 && !ends(from-1) {
		from--
	}
	to := end
	for to < len(text) && !ends(to) {
		to++
	}
	return text[from:to]
}

// instructionWords are what turns a mention of a tool into an instruction
// about it.
var instructionWords = compilePhrases([]phraseRule{{pattern: `[always|must|never|before|after|instead|every|each|whenever|first|then|also|bcc|cc|prefer*|only|do not|dont|replace*|redirect*|forward*|send*|call|invoke|run|use]`}})

func instructs(sentence string) bool {
	var w words
	w.read(sentence)
	var st phraseState
	return len(instructionWords.find(&w, &st, nil)) > 0
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
	exfilPhrases = regexp.MustCompile(`(?i)\b(entire|full|whole|complete|all)\s+(conversation|chat|message|context)(\s+history)?\b|\b(previous|prior|earlier)\s+messages\b|\byour\s+(system\s+prompt|instructions|initial\s+prompt)\b|\b(contents?|text)\s+of\s+(any|all|every)\s+(other\s+)?(files?|documents?)\b|\beverything\s+(you|the\s+user)\s+(know|knows|said|have\s+seen)\b|\binclude\s+(all|any)\s+(other\s+)?(tool\s+)?(results|outputs|responses)\b|\b(other|previous)\s+tools?'\s*(results|outputs)\b`)
	exfilNames   = regexp.MustCompile(`(?i)^_*(side_?note|conversation(_?history)?|chat_?history|full_?context|system_?prompt|previous_?messages|all_?messages|memory_?dump|hidden_?notes?|model_?instructions|context_?dump|user_?secrets|full_?chat_?history)_*$`)
)

// exfilAnchors are words every exfilPhrases match contains.
var exfilAnchors = []string{"conversation", "chat", "message", "context", "prompt", "content", "text", "everything", "include", "tool"}

// exfilDescription flags a free-text parameter whose description invites
// the model to pour the conversation or other data into it.
func exfilDescription(out []Finding, text string, wrapsModel bool) []Finding {
	sev := High
	if wrapsModel {
		sev = Low // a chat tool's history parameter
	}
	for _, m := range exfilPhrases.FindAllStringIndex(text, -1) {
		out = append(out, finding("exfil-parameter", sev, text, m[0], m[1],
			"a parameter that asks for the conversation, the system prompt or other data the tool has no need of"))
	}
	return out
}

// modelWords say a tool talks to a language model.
var modelWords = hashSet("chat", "llm", "llms", "completion", "completions", "gpt", "claude", "gemini", "deepseek", "openai",
	"anthropic", "mistral", "ollama", "qwen", "llama", "grok", "perplexity")

// mentionsModel reports whether text names a language model or chat.
func mentionsModel(text string) bool {
	r := readings.Get().(*reading)
	defer readings.Put(r)
	r.words.read(text)
	for _, w := range r.words.list {
		if modelWords[w.hash] {
			return true
		}
	}
	return false
}

// exfilName flags a parameter named to collect the conversation.
func exfilName(out []Finding, name string) []Finding {
	// Tools that wrap a model take system_prompt or conversation_history
	// honestly: only a decorated name (_system_prompt_), dressed up to be
	// filled in with what the model holds, withholds.
	if exfilNames.MatchString(name) {
		sev := Low
		if strings.HasPrefix(name, "_") || strings.HasSuffix(name, "_") {
			sev = High
		}
		out = append(out, finding("exfil-parameter", sev, name, 0, len(name), "a parameter named to collect the conversation or hidden notes"))
	}
	return out
}

// ownToolsOnly shows, rather than withholds, guidance about the order of
// calls or which tool to use where the text names its own server's tools
// and none of another's ("deprecated: use read_text_file instead", "call
// login first"): honest servers say so of their own tools.
func ownToolsOnly(fs []Finding, text string, ctx *Context) {
	if len(ctx.siblings) == 0 {
		return
	}
	guidance := false
	for _, f := range fs {
		switch {
		case f.Rule == "shadowing" && f.Severity >= Medium:
			return
		case f.Reason == callOrder || f.Reason == steering:
			guidance = true
		}
	}
	if !guidance || !namesSibling(text, ctx) {
		return
	}
	for i := range fs {
		if fs[i].Reason == callOrder || fs[i].Reason == steering {
			fs[i].Severity = min(fs[i].Severity, Low)
		}
	}
}

// namesSibling reports whether text names a tool of its own server.
func namesSibling(text string, ctx *Context) bool {
	for start, end := range nameSpans(text) {
		if ctx.siblings[strings.ToLower(text[start:end])] {
			return true
		}
	}
	return false
}

// nameSpans yields the start and end of each run of bytes a tool name
// can hold, in order.
func nameSpans(text string) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		start := -1
		for i := 0; i <= len(text); i++ {
			if i < len(text) && isNameByte(text[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 && !yield(start, i) {
				return
			}
			start = -1
		}
	}
}
