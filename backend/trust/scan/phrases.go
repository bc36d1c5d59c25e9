package scan

import (
	"fmt"
	"strconv"
	"strings"
)

// A phrase rule is a sequence of word choices, read over a text's words
// (see word), so that case, spacing, inflection, invisible characters and
// look-alike letters do not matter and the cost is bounded per word,
// whatever the text:
//
//	[do not|never|must not] ~2 [tell*|inform*] ~3 [user*|human]
//
// A choice in brackets holds alternatives separated by |; an alternative
// may be several words, which must follow each other. A bare word is a
// choice of one. `word*` is any word starting so (inform, informs,
// informing); `.word` is the word right after a dot (.env). `~N` allows up
// to N other words before the next choice; otherwise choices are adjacent.
// A phrase never spans two sentences.
type phraseRule struct {
	id       string
	severity Severity
	reason   string
	pattern  string
}

// phraseSet is the compiled rules of one scan: each word looks up once
// the steps it can end.
type phraseSet struct {
	rules   []phraseRule
	lengths []int32 // each rule's number of steps (its choices)
	// Words are looked up by their hash: exact words, stems (a word
	// starting with the stem is it) and words right after a dot. An
	// alternative of several words is found by its last word, the words
	// before it checked then. A bloom filter over each table turns away
	// nearly every word of an honest text before any map is read.
	exact, stems, dotted map[uint64][]stepRef
	bloom                [3][1024]uint64
	stemLen              [32]bool // lengths of stems
	steps                int
	leads                [][]pattWord // the words before the last of each alternative of several
}

const (
	bloomExact = iota
	bloomStem
	bloomDotted
)

func (s *phraseSet) mayHave(table int, h uint64) bool {
	b := h & 0xffff
	return s.bloom[table][b>>6]&(1<<(b&63)) != 0
}

// stepRef is an alternative a word can end: of which step of which
// rule, the step's number in the set and its gap (read first when
// matching), and, for an alternative of several words, their number and
// lead, the index of the words before its last in phraseSet.leads.
type stepRef struct {
	rule, step  int32
	at, gap     int32
	words, lead int32
}

// alternative is one alternative of a choice: its words, each exact, a
// stem or dotted.
type alternative []pattWord

type pattWord struct {
	text         string
	stem, dotted bool
	hash         uint64 // of text
}

func compilePhrases(rules []phraseRule) *phraseSet {
	s := &phraseSet{rules: rules, exact: map[uint64][]stepRef{}, stems: map[uint64][]stepRef{}, dotted: map[uint64][]stepRef{}}
	for ri, r := range rules {
		choices, gaps, err := parsePhrase(r.pattern)
		if err != nil {
			panic(fmt.Sprintf("scan: phrase rule %s %q: %v", r.id, r.pattern, err))
		}
		first := int32(s.steps) // the rule's first step in the set's numbering
		for c, choice := range choices {
			si := int32(c)
			for _, alt := range choice {
				ref := stepRef{rule: int32(ri), step: si, at: first + si, gap: int32(gaps[c]), words: int32(len(alt)), lead: -1}
				if len(alt) > 1 {
					ref.lead = int32(len(s.leads))
					s.leads = append(s.leads, alt[:len(alt)-1])
				}
				s.index(alt[len(alt)-1], ref)
			}
		}
		s.steps += len(choices)
		s.lengths = append(s.lengths, int32(len(choices)))
	}
	return s
}

func (s *phraseSet) index(w pattWord, ref stepRef) {
	table, m := bloomExact, s.exact
	switch {
	case w.stem:
		table, m = bloomStem, s.stems
		s.stemLen[len(w.text)] = true
	case w.dotted:
		table, m = bloomDotted, s.dotted
	}
	m[w.hash] = append(m[w.hash], ref)
	b := w.hash & 0xffff
	s.bloom[table][b>>6] |= 1 << (b & 63)
}

// leadsTo reports whether the words before word i are those of lead,
// adjacent and in i's sentence.
func leadsTo(ws *words, i int, lead []pattWord) bool {
	if i < len(lead) {
		return false
	}
	for k, w := range lead {
		x := ws.list[i-len(lead)+k]
		if x.sentence != ws.list[i].sentence || x.hash != w.hash || w.dotted && !x.dotted {
			return false
		}
	}
	return true
}

// parsePhrase reads a pattern into its choices and the gap before each.
func parsePhrase(pattern string) (choices [][]alternative, gaps []int, err error) {
	gap := 0
	var w words
	for rest := strings.TrimSpace(pattern); rest != ""; rest = strings.TrimSpace(rest) {
		var item string
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, nil, fmt.Errorf("unclosed [")
			}
			item, rest = rest[1:end], rest[end+1:]
		default:
			item, rest, _ = strings.Cut(rest, " ")
			if strings.HasPrefix(item, "~") {
				n, err := strconv.Atoi(item[1:])
				if err != nil || n < 0 || n > 16 {
					return nil, nil, fmt.Errorf("bad gap %q", item)
				}
				gap = n
				continue
			}
		}
		var choice []alternative
		for _, a := range strings.Split(item, "|") {
			alt, err := parseAlternative(strings.TrimSpace(a), &w)
			if err != nil {
				return nil, nil, err
			}
			choice = append(choice, alt)
		}
		choices, gaps = append(choices, choice), append(gaps, gap)
		gap = 0
	}
	if len(choices) == 0 {
		return nil, nil, fmt.Errorf("empty pattern")
	}
	return choices, gaps, nil
}

// parseAlternative reads an alternative's words as the scan reads a text,
// so that a pattern is written as one would write the text.
func parseAlternative(a string, w *words) (alternative, error) {
	stem := strings.HasSuffix(a, "*")
	dotted := strings.HasPrefix(a, ".")
	w.read(strings.TrimSuffix(strings.TrimPrefix(a, "."), "*"))
	if len(w.list) == 0 {
		return nil, fmt.Errorf("alternative %q has no word", a)
	}
	var alt alternative
	for i, x := range w.list {
		alt = append(alt, pattWord{text: string(w.text(i)), dotted: x.dotted, hash: x.hash})
	}
	alt[0].dotted = dotted
	alt[len(alt)-1].stem = stem
	if stem && len(alt[len(alt)-1].text) >= len(phraseSet{}.stemLen) {
		return nil, fmt.Errorf("stem %q is too long", a)
	}
	return alt, nil
}

// match is one phrase found: the rule and the words it spans.
type match struct {
	rule       int
	start, end int // word indexes, end inclusive
}

// phraseState is the scratch space of matching, kept between scans.
type phraseState struct {
	last, start []int32 // per step: the word at which the phrase up to it last ended, and where that began
	touched     []int32
	refs        []stepRef
}

// find reports the phrases in ws: for each word that ends a rule's last step, the
// match whose earlier steps ended latest.
func (s *phraseSet) find(ws *words, st *phraseState, out []match) []match {
	if len(st.last) < s.steps {
		st.last, st.start = make([]int32, s.steps), make([]int32, s.steps)
		for i := range st.last {
			st.last[i] = -1 << 30
		}
	}
	defer st.reset()
	for i := range ws.list {
		refs := s.lookup(ws, i, st.refs[:0])
		st.refs = refs
		// Later steps first, so that one word does not count twice.
		for k := len(refs) - 1; k >= 0; k-- {
			r := &refs[k]
			at := r.at
			first := int32(i) - r.words + 1 // the alternative's first word
			if r.step > 0 {
				last := st.last[at-1]
				if first-last-1 > r.gap || first <= last || ws.list[st.start[at-1]].sentence != ws.list[i].sentence {
					continue
				}
			}
			if r.lead >= 0 && !leadsTo(ws, i, s.leads[r.lead]) {
				continue
			}
			begin := first
			if r.step > 0 {
				begin = st.start[at-1]
			}
			if r.step == s.lengths[r.rule]-1 {
				out = append(out, match{rule: int(r.rule), start: int(begin), end: i})
				continue
			}
			if st.last[at] == -1<<30 {
				st.touched = append(st.touched, at)
			}
			st.last[at], st.start[at] = int32(i), begin
		}
	}
	return out
}

// lookup gathers the steps word i can end, sorted by rule and step.
func (s *phraseSet) lookup(ws *words, i int, refs []stepRef) []stepRef {
	x := ws.list[i]
	lists := 0 // each list is sorted; refs of two must be sorted again
	if s.mayHave(bloomExact, x.hash) {
		if l := s.exact[x.hash]; len(l) > 0 {
			refs = append(refs, l...)
			lists++
		}
	}
	if x.dotted && s.mayHave(bloomDotted, x.hash) {
		if l := s.dotted[x.hash]; len(l) > 0 {
			refs = append(refs, l...)
			lists++
		}
	}
	h := uint64(fnvOffset)
	for n, c := range ws.text(i) {
		if n+1 >= len(s.stemLen) {
			break
		}
		h = (h ^ uint64(c)) * fnvPrime
		if s.stemLen[n+1] && s.mayHave(bloomStem, h) {
			if l := s.stems[h]; len(l) > 0 {
				refs = append(refs, l...)
				lists++
			}
		}
	}
	if lists > 1 {
		sortRefs(refs)
	}
	return refs
}

func sortRefs(refs []stepRef) {
	for i := 1; i < len(refs); i++ {
		for j := i; j > 0 && (refs[j].rule < refs[j-1].rule || refs[j].rule == refs[j-1].rule && refs[j].step < refs[j-1].step); j-- {
			refs[j], refs[j-1] = refs[j-1], refs[j]
		}
	}
}

func (st *phraseState) reset() {
	for _, at := range st.touched {
		st.last[at] = -1 << 30
	}
	st.touched = st.touched[:0]
}
