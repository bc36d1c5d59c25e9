package scan

import (
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
	sums    []sentenceSum
	seen    featureSet
}

var readings = sync.Pool{New: func() any { return new(reading) }}

// readText appends the findings of the phrase rules and of the scorer in
// text; inDefinition picks the scorer's thresholds. A long text is read
// in pieces, so the scratch space stays small whatever the text: cut
// after a line end, which no phrase or scored span crosses, or else with
// an overlap longer than any phrase, whose matches are taken once.
func readText(out []Finding, text string, inDefinition bool) []Finding {
	r := readings.Get().(*reading)
	defer readings.Put(r)
	set := resultPhrases
	if inDefinition {
		set = definitionPhrases
	}
	top := span{score: -1e30}
	var topText [2]int // the top span's bytes in text
	seen := 0          // matches ending before this were found in the last piece
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
			f := finding(rule.id, rule.severity, text, from, to, rule.reason)
			f.Detail = "phrase rule " + rule.id + ": " + rule.pattern
			out = append(out, f)
		}
		var best span
		if best, r.sums = model.best(ws, r.sums, &r.seen); best.score > top.score && best.to > best.from {
			top = best
			topText = [2]int{at + int(ws.list[best.from].start), at + int(ws.list[best.to-1].end)}
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
	if sev := model.severity(top.score, inDefinition); sev != 0 {
		show, withhold := model.thresholds(inDefinition)
		f := finding("instruction-score", sev, text, topText[0], topText[1],
			fmt.Sprintf("reads like an instruction to the model (learned score %.2f)", top.score))
		f.Detail = fmt.Sprintf("the learned scorer: %.2f for this span, shown from %.2f, withheld from %.2f", top.score, show, withhold)
		out = append(out, f)
	}
	return out
}

// severity is what a span's score makes it: Medium (withheld) or Low
// (shown to the person), or 0. In definitions the score is only shown:
// measured on real servers it held out, it withheld more honest tools
// than the attacks it alone caught (docs/benchmarks.md), where the rules
// withhold few.
func (s *scorer) severity(score float32, inDefinition bool) Severity {
	show, withhold := s.thresholds(inDefinition)
	switch {
	case score >= withhold && !inDefinition:
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

var negations = map[uint64]bool{}

func init() {
	for _, w := range []string{"not", "never", "dont", "no", "nor", "without", "doesnt", "cannot", "cant", "wont", "avoid", "nunca", "jamais", "nie", "niemals"} {
		negations[fnv([]byte(w))] = true
	}
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

// thresholds are the scores from which a span is shown and withheld.
func (s *scorer) thresholds(inDefinition bool) (show, withhold float32) {
	if inDefinition {
		return s.defShow, s.defWithhold
	}
	return s.resShow, s.resWithhold
}
