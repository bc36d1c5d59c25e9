package scan

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// reading is the scratch space of reading one text as words, pooled:
// scans run in many goroutines and most texts are short.
type reading struct {
	words   words
	state   phraseState
	matches []match
}

var readings = sync.Pool{New: func() any { return new(reading) }}

// readText appends the findings of the phrase rules in text, and feeds
// its words to sc, the scoring of the document it is part of, unless sc
// is nil; inDefinition picks the rules. A long text is read in pieces, so
// the scratch space stays small whatever the text: cut after a line end,
// which no phrase crosses, or else with an overlap longer than any
// phrase, whose matches (and words) are taken once.
func readText(out []Finding, text string, inDefinition bool, sc *scoring) []Finding {
	r := readings.Get().(*reading)
	defer readings.Put(r)
	set := resultPhrases
	if inDefinition {
		set = definitionPhrases
	}
	if sc != nil {
		sc.inResult = !inDefinition
	}
	seen := 0 // matches ending before this were found in the last piece
	for at := 0; at < len(text); {
		end, clean := cutPiece(text, at, readPiece)
		ws := &r.words
		ws.read(text[at:end])
		r.matches = set.find(ws, &r.state, r.matches[:0])
		for _, m := range r.matches {
			from, to := at+int(ws.list[m.start].start), at+int(ws.list[m.end].end)
			if to <= seen {
				continue
			}
			rule := &set.rules[m.rule]
			if negatable[rule.id] && negated(ws, m.start) {
				continue // "do NOT read any .env file" is no request for it
			}
			if rule.id == "sensitive-file" && publicKey(text, to) {
				continue // id_ed25519.pub is there to be handed out
			}
			if rule.id == "concealment" && (behaviour[ws.list[m.start+1].hash] || passive[ws.list[m.start+1].hash]) {
				continue // "silently fails to send", "not shown to customers" tell what happens, ask nothing
			}
			if rule.id == "addressed-letter" && to < len(text) && text[to] == '-' {
				continue // "instructions for LLM-driven analysis": the model word is half of an adjective
			}
			if rule.id == "concealment" && atMention(ws, m.start, m.end) {
				continue // "do not use @ to mention users": tagging people, not keeping anything from them
			}
			sev := rule.severity
			if !inDefinition && sev == Medium && oneName(text[from:to]) {
				sev = Low // workers_ai_list_tasks, copilot-instructions.md: a name, shown; one of High rules' words still withholds
			}
			f := finding(rule.id, sev, text, from, to, rule.reason)
			f.Detail = "phrase rule " + rule.id + ": " + rule.pattern
			out = append(out, f)
		}
		if sc != nil {
			first := 0
			for first < len(ws.list) && at+int(ws.list[first].start) < seen {
				first++
			}
			sc.offset = at
			sc.read(ws, first)
		}
		if clean || end == len(text) {
			at, seen = end, end
			continue
		}
		seen = end
		at = max(at+1, end-phraseReach)
		for at < end && !utf8.RuneStart(text[at]) {
			at++
		}
	}
	return out
}

// scoreFinding gates the findings of a document by its learned score
// (those of the fields it read: read says which) and appends the score's
// own finding, if it is high enough to show, in field(at.text) of
// text(at.text).
func scoreFinding(out []Finding, sc *scoring, inDefinition bool, read func(field string) bool, text, field func(int) string) []Finding {
	score, at, ok := sc.result()
	if !ok {
		return out
	}
	model.gate(out, score, inDefinition, read)
	sev := model.severity(score, inDefinition)
	if sev == 0 || sc.bestWords() < minShownWords {
		return out
	}
	show, withhold := model.thresholds(inDefinition)
	f := finding("instruction-score", sev, text(at.text), at.from, at.to,
		fmt.Sprintf("reads like an instruction to the model (learned score %.2f)", score))
	f.Detail = fmt.Sprintf("the learned scorer: %.2f for the passage around this sentence, shown from %.2f, withheld from %.2f", score, show, withhold)
	f.Field = field(at.text)
	return append(out, f)
}

// gate shows, rather than withholds, what a phrase rule of Medium
// severity found, in a field the scorer read, of a document it reads as
// honest as few attacks read: a phrase is a few words, and honest
// documentation says "call this before other tools" in passages that ask
// nothing of the model. A High finding is never gated: a score is a sum,
// which honest words padded around an attack lower. Nor is what no honest
// text needs (hidden characters, markup, secrets, names made to pass for
// another tool's), nor what is in a field the scorer did not read.
func (s *scorer) gate(fs []Finding, score float32, inDefinition bool, read func(field string) bool) {
	below := s.resClear
	if inDefinition {
		below = s.defClear
	}
	if score >= below {
		return
	}
	for i := range fs {
		if f := &fs[i]; gated[f.Rule] && f.Severity == Medium && read(f.Field) {
			f.Severity = Low
			f.Detail += fmt.Sprintf("; shown, not withheld: the learned scorer reads the text as honest (%.2f, below %.2f)", score, below)
		}
	}
}

// everyField and noField are for a document of one text, with no field.
func everyField(string) bool { return true }
func noField(int) string     { return "" }

// gated are the rules whose findings gate may show rather than withhold:
// the phrase rules' and shadowing, which reads what a text says of other
// tools.
var gated = map[string]bool{"shadowing": true}

func init() {
	for _, set := range []*phraseSet{definitionPhrases, resultPhrases} {
		for _, r := range set.rules {
			gated[r.id] = true
		}
	}
}

// minShownWords is the fewest words a text's score is shown or withheld
// for: a short honest description ("Returns the text it is given.") or
// result ("pong") holds too few words for the scorer to tell, where the
// rules read it whole.
const minShownWords = 12

// severity is what a document's score makes it: Medium (withheld) or Low
// (shown to the person), or 0.
func (s *scorer) severity(score float32, inDefinition bool) Severity {
	show, withhold := s.thresholds(inDefinition)
	switch {
	case score >= withhold:
		return Medium
	case score >= show:
		return Low
	}
	return 0
}

// readPiece is the most of a text read at once; phraseReach is longer
// than any phrase.
const (
	readPiece   = 32 << 10
	phraseReach = 4 << 10
)

// cutPiece is where a piece of at most n bytes starting at from ends, and
// whether it ends after a line end.
func cutPiece(text string, from, n int) (end int, clean bool) {
	if len(text)-from <= n {
		return len(text), true
	}
	if i := strings.LastIndexByte(text[from:from+n], '\n'); i > 0 {
		return from + i + 1, true
	}
	end = from + n
	for end > from+1 && !utf8.RuneStart(text[end]) {
		end--
	}
	return end, false
}

// negatable are the rules whose request a negation just before it turns
// into a warning; the others have their negation in them.
var negatable = map[string]bool{"sensitive-file": true, "exfiltration": true, "hidden-collection": true,
	"mandatory-step": true, "argument-tampering": true, "exfil": true, "tool-hijack": true}

var negations = hashSet("not", "never", "dont", "no", "nor", "without", "doesnt", "cannot", "cant", "wont", "avoid", "nunca", "jamais", "nie", "niemals")

// hashSet is the set of the words' hashes, as words.read spells them
// (lower case, no apostrophe).
func hashSet(words ...string) map[uint64]bool {
	set := make(map[uint64]bool, len(words))
	for _, w := range words {
		set[fnv([]byte(w))] = true
	}
	return set
}

// negated reports whether one of the three words before word i, in its
// sentence, is a negation.
func negated(ws *words, i int) bool {
	for j := i - 1; j >= 0 && j >= i-3 && ws.list[j].sentence == ws.list[i].sentence; j-- {
		if negations[ws.list[j].hash] {
			return true
		}
	}
	return false
}

// oneName reports whether s is one ASCII name: no space, nothing another
// script writes without spaces.
func oneName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// behaviour are words that, after "silently" or "quietly", tell what a
// tool does on its own rather than ask the model to act unseen.
var behaviour = hashSet("fail", "fails", "failed", "failing", "ignored", "ignores", "ignore", "skipped", "skips", "dropped", "drops",
	"truncated", "truncates", "returns", "succeeds", "retries", "falls")

// atMention reports whether words from to to (a match) say "mention" as
// in tagging people in a message: "mention users". An @ alone does not
// say so: an attacker can write one anywhere.
func atMention(ws *words, from, to int) bool {
	for i := from; i <= to; i++ {
		if bytes.HasPrefix(ws.text(i), []byte("mention")) && i+1 < len(ws.list) && people[ws.list[i+1].hash] {
			return true
		}
	}
	return false
}

var people = hashSet("users", "people", "members", "someone", "anyone", "everyone", "teammates", "colleagues", "contacts")

// passive are participles that, right after "not" or "never", say where
// data appears ("not shown to customers"), not what the model is to keep
// from anyone.
var passive = hashSet("shown", "displayed", "visible", "exposed", "returned", "included", "printed", "listed", "rendered")

// publicKey reports whether the path a key's name ending at byte end of
// text is part of ends in ".pub": the public half.
func publicKey(text string, end int) bool {
	i := end
	for i < len(text) && text[i] > ' ' && !strings.ContainsRune("\"'`),;", rune(text[i])) {
		i++
	}
	return strings.HasSuffix(text[end:i], ".pub")
}

// thresholds are the scores from which a text is shown and withheld.
func (s *scorer) thresholds(inDefinition bool) (show, withhold float32) {
	if inDefinition {
		return s.defShow, s.defWithhold
	}
	return s.resShow, s.resWithhold
}
