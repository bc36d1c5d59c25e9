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
	exact         map[uint64]exactEntry
	stems, dotted map[uint64][]stepRef
	bloom         [3]hashFilter
	stemLen       [32]bool // lengths of stems
	steps         int
	leads         [][]pattWord // the words before the last of each alternative of several
}

// exactEntry is what a word ends as itself; withStems says refs holds
// what the word ends as a stem's too, merged when the rules were compiled.
type exactEntry struct {
	refs      []stepRef
	withStems bool
}

const (
	bloomExact = iota
	bloomStem
	bloomDotted
)

func (s *phraseSet) mayHave(table int, h uint64) bool { return s.bloom[table].mayHave(h) }

// hashFilter is a one-hash bloom filter over word hashes: a table of a
// few hundred words turns away nearly every other word with one read of
// 8 KiB that stays in cache, before any map is read.
type hashFilter [1024]uint64

func (f *hashFilter) add(h uint64) { f[h>>6&1023] |= 1 << (h & 63) }

func (f *hashFilter) mayHave(h uint64) bool { return f[h>>6&1023]&(1<<(h&63)) != 0 }

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
	s := &phraseSet{rules: rules, exact: map[uint64]exactEntry{}, stems: map[uint64][]stepRef{}, dotted: map[uint64][]stepRef{}}
	texts := map[uint64]string{} // of the exact words
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
				last := alt[len(alt)-1]
				s.index(last, ref)
				if !last.stem && !last.dotted {
					texts[last.hash] = last.text
				}
			}
		}
		s.steps += len(choices)
		s.lengths = append(s.lengths, int32(len(choices)))
	}
	for h, text := range texts { // so that lookup reads one list for most words
		e := s.exact[h]
		for _, l := range s.stemsOf([]byte(text), nil) {
			e.refs = mergeRefs(nil, e.refs, l)
		}
		e.withStems = true
		s.exact[h] = e
	}
	return s
}

func (s *phraseSet) index(w pattWord, ref stepRef) {
	table := bloomExact
	switch {
	case w.stem:
		table = bloomStem
		s.stems[w.hash] = append(s.stems[w.hash], ref)
		s.stemLen[len(w.text)] = true
	case w.dotted:
		table = bloomDotted
		s.dotted[w.hash] = append(s.dotted[w.hash], ref)
	default:
		e := s.exact[w.hash]
		e.refs = append(e.refs, ref)
		s.exact[w.hash] = e
	}
	s.bloom[table].add(w.hash)
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
	lists       [][]stepRef
	merged      [2][]stepRef
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
	sentenceFrom := int32(0) // the first word of word i's sentence, in which a phrase under way must have begun
	for i := range ws.list {
		if i > 0 && ws.list[i].sentence != ws.list[i-1].sentence {
			sentenceFrom = int32(i)
		}
		refs := s.lookup(ws, i, st)
		// Later steps first, so that one word does not count twice.
		for k := len(refs) - 1; k >= 0; k-- {
			r := &refs[k]
			at := r.at
			first := int32(i) - r.words + 1 // the alternative's first word
			if r.step > 0 {
				last := st.last[at-1]
				if first-last-1 > r.gap || first <= last || st.start[at-1] < sentenceFrom {
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

// lookup gathers the steps word i can end, sorted by rule and step: a
// table's list as it is, or the lists of several merged in st's scratch
// space.
func (s *phraseSet) lookup(ws *words, i int, st *phraseState) []stepRef {
	x := ws.list[i]
	lists := st.lists[:0]
	stems := true
	if s.mayHave(bloomExact, x.hash) {
		if e, ok := s.exact[x.hash]; ok {
			lists = append(lists, e.refs)
			stems = !e.withStems
		}
	}
	if x.dotted && s.mayHave(bloomDotted, x.hash) {
		if l := s.dotted[x.hash]; len(l) > 0 {
			lists = append(lists, l)
		}
	}
	if stems {
		lists = s.stemsOf(ws.text(i), lists)
	}
	st.lists = lists
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	refs := lists[0]
	for k, l := range lists[1:] {
		buf := &st.merged[k%2]
		*buf = mergeRefs((*buf)[:0], refs, l)
		refs = *buf
	}
	return refs
}

// stemsOf appends the lists of the stems word starts with.
func (s *phraseSet) stemsOf(word []byte, lists [][]stepRef) [][]stepRef {
	h := uint64(fnvOffset)
	for n, c := range word {
		if n+1 >= len(s.stemLen) {
			break
		}
		h = (h ^ uint64(c)) * fnvPrime
		if s.stemLen[n+1] && s.mayHave(bloomStem, h) {
			if l := s.stems[h]; len(l) > 0 {
				lists = append(lists, l)
			}
		}
	}
	return lists
}

// mergeRefs appends the refs of a and b, each sorted by rule and step, in
// that order; of equal ones, a's first.
func mergeRefs(out, a, b []stepRef) []stepRef {
	for len(a) > 0 && len(b) > 0 {
		if b[0].rule < a[0].rule || b[0].rule == a[0].rule && b[0].step < a[0].step {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

func (st *phraseState) reset() {
	for _, at := range st.touched {
		st.last[at] = -1 << 30
	}
	st.touched = st.touched[:0]
}
