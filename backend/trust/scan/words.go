package scan

import (
	"unicode"
	"unicode/utf8"
)

// word is one word of a text as the phrase rules and the scorer read it:
// lower-cased, with what hides a word from a reader undone. Invisible
// characters inside a word are dropped ("ig\u200bnore"), letters of
// another script drawn like Latin ones are folded onto Latin in a word
// that mixes scripts ("ignоre" with a Cyrillic о), digits are read as the
// letters they stand for in a word of letters ("1gn0re"), and single
// letters spaced out ("i g n o r e") are joined. Names are split into
// their words (system_prompt, systemPrompt).
type word struct {
	start, end int32 // the span in the text
	from, to   int32 // the normalised word in words.norm
	hash       uint64
	sentence   int32 // words of different sentences never make one phrase
	dotted     bool  // written right after a dot: ".env", "mcp.json"
}

// words is a text read into words; norm holds their normalised spellings.
type words struct {
	list []word
	norm []byte
}

func (w *words) text(i int) []byte { return w.norm[w.list[i].from:w.list[i].to] }

// FNV-1a, fixed so that the scorer's embedded weights mean the same in
// every build.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// read splits text into words, reusing w's storage.
func (w *words) read(text string) {
	w.list, w.norm = w.list[:0], w.norm[:0]
	sentence := int32(0)
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case asciiWord[c]:
				i = w.readASCIIWord(text, i, sentence)
			case endsSentenceAt(text, i, rune(c)):
				sentence++ // a dot inside a name (.env, mcp.json, 3.5) ends nothing
				i++
			default:
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isWordRune(r):
			if ideograph(r) {
				w.add(text, i, i+size, sentence)
				i += size
				continue
			}
			i = w.readWord(text, i, sentence)
			continue
		case endsSentence(r):
			sentence++
		}
		i += size
	}
	w.joinSpelledOut(text)
}

// asciiWord are the ASCII bytes words are made of.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isWordRune(rune(c))
	}
	return t
}()

// byteKinds classes every byte for readASCIIWord, so that its loop
// branches on little but a word's end.
const (
	kindLetter = 1 << iota
	kindDigit
	kindUpper
	kindSmall
	kindEnd  // no part of a word
	kindSlow // a byte readWord must read: not ASCII, or an apostrophe
)

var byteKinds = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= utf8.RuneSelf || c == '\'':
			t[c] = kindEnd | kindSlow
		case c >= 'a' && c <= 'z':
			t[c] = kindLetter | kindSmall
		case c >= 'A' && c <= 'Z':
			t[c] = kindLetter | kindUpper
		case c >= '0' && c <= '9':
			t[c] = kindDigit
		default:
			t[c] = kindEnd
		}
	}
	return t
}()

// readASCIIWord reads the word starting at i, as readWord does, in one
// pass for the common word of ASCII letters and digits only; any other
// word it hands to readWord.
func (w *words) readASCIIWord(text string, i int, sentence int32) int {
	norm, from, start := w.norm, len(w.norm), i
	h := uint64(fnvOffset)
	letters, digits := 0, uint8(0)
	for ; i < len(text); i++ {
		c := text[i]
		k := byteKinds[c]
		if k&kindEnd != 0 {
			if k&kindSlow != 0 {
				return w.readWord(text, start, sentence) // the word may go on, or hide a character
			}
			break
		}
		if k&kindUpper != 0 && i > start && byteKinds[text[i-1]]&kindSmall != 0 {
			break // a capital after a small letter starts a new word of a name (systemPrompt)
		}
		letters += int(k & kindLetter)
		digits |= k & kindDigit
		c |= 0x20 // lower case; digits have the bit already
		norm = append(norm, c)
		h = (h ^ uint64(c)) * fnvPrime
	}
	if digits != 0 && letters >= 2 {
		norm = norm[:from+foldWord(norm[from:], false, true)]
		h = fnv(norm[from:])
	}
	w.norm = norm
	// Each field stored in place: a word built aside and copied in costs a
	// stall, the copy's wide load waiting on the narrow stores before it.
	w.list = append(w.list, word{})
	x := &w.list[len(w.list)-1]
	x.start, x.end, x.from, x.to = int32(start), int32(i), int32(from), int32(len(norm))
	x.hash, x.sentence, x.dotted = h, sentence, start > 0 && text[start-1] == '.'
	return i
}

// readWord reads the word starting at i and returns where it ends.
func (w *words) readWord(text string, i int, sentence int32) int {
	from := len(w.norm)
	start := i
	var latin, lookalike, letters, digits int
	for i < len(text) {
		// ASCII letters and digits first: most text is made of them.
		if c := text[i]; c < utf8.RuneSelf && c != '\'' {
			switch {
			case c >= 'a' && c <= 'z':
				latin++
				letters++
			case c >= 'A' && c <= 'Z':
				if i > start && text[i-1] >= 'a' && text[i-1] <= 'z' {
					goto done // a capital after a small letter starts a new word of a name (systemPrompt)
				}
				latin++
				letters++
				c += 'a' - 'A'
			case c >= '0' && c <= '9':
				digits++
			default:
				goto done
			}
			w.norm = append(w.norm, c)
			i++
			continue
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if invisible(r) {
			i += size
			continue
		}
		if r == '\'' || r == '\u2019' || r == '\u02bc' { // don't, don’t: one word, read as "dont"
			if i+size < len(text) && isWordRune(rune(text[i+size])) && i > start {
				i += size
				continue
			}
			break
		}
		if !isWordRune(r) || ideograph(r) {
			break
		}
		// A capital after a small letter starts a new word of a name
		// (systemPrompt).
		if r >= 'A' && r <= 'Z' && i > start && text[i-1] >= 'a' && text[i-1] <= 'z' {
			break
		}
		switch {
		case r < utf8.RuneSelf && r >= '0' && r <= '9':
			digits++
		case r < utf8.RuneSelf:
			latin++
			letters++
		default:
			letters++
			if _, ok := latinLookalike[unicode.ToLower(r)]; ok {
				lookalike++
			} else if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
		w.norm = utf8.AppendRune(w.norm, unicode.ToLower(r))
		i += size
	}
done:
	if len(w.norm) == from {
		return max(i, start+1)
	}
	if lookalike > 0 && latin > 0 || digits > 0 && letters >= 2 {
		w.norm = w.norm[:from+foldWord(w.norm[from:], lookalike > 0 && latin > 0, digits > 0 && letters >= 2)]
	}
	w.list = append(w.list, word{start: int32(start), end: int32(i), from: int32(from), to: int32(len(w.norm)),
		hash: fnv(w.norm[from:]), sentence: sentence, dotted: start > 0 && text[start-1] == '.'})
	return i
}

// add appends text[start:end] as one word (an ideograph).
func (w *words) add(text string, start, end int, sentence int32) {
	from := len(w.norm)
	w.norm = append(w.norm, text[start:end]...)
	w.list = append(w.list, word{start: int32(start), end: int32(end), from: int32(from), to: int32(len(w.norm)),
		hash: fnv(w.norm[from:]), sentence: sentence})
}

// foldWord reads a word's look-alike letters as Latin and its digits as
// the letters they stand for, in place (no letter grows), and returns its
// new length.
func foldWord(b []byte, lookalikes, digits bool) int {
	n := 0
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		i += size
		if r >= '0' && r <= '9' {
			if digits && leet[r-'0'] != 0 {
				r = rune(leet[r-'0'])
			}
		} else if r >= utf8.RuneSelf && lookalikes {
			if l, ok := latinLookalike[r]; ok {
				r = l
			}
		}
		n += utf8.EncodeRune(b[n:], r)
	}
	return n
}

// joinSpelledOut joins runs of four or more single Latin letters, each
// one character apart ("i g n o r e", "i.g.n.o.r.e"), into one word.
func (w *words) joinSpelledOut(text string) {
	single := func(i int) bool {
		x := w.list[i]
		return x.end-x.start == 1 && x.to-x.from == 1 && w.norm[x.from] >= 'a' && w.norm[x.from] <= 'z'
	}
	// Most texts spell nothing out: copy nothing until a run is found.
	i := 0
	for i < len(w.list) && !(single(i) && i+3 < len(w.list) && single(i+1) && single(i+2) && single(i+3)) {
		i++
	}
	out := w.list[:i]
	for i < len(w.list) {
		j := i
		for j < len(w.list) && single(j) && (j == i || w.list[j].start-w.list[j-1].end == 1 && text[w.list[j-1].end] != '\n') {
			j++
		}
		if j-i < 4 {
			out = append(out, w.list[i])
			i++
			continue
		}
		from := int32(len(w.norm))
		for k := i; k < j; k++ {
			w.norm = append(w.norm, w.norm[w.list[k].from])
		}
		x := word{start: w.list[i].start, end: w.list[j-1].end, from: from, to: int32(len(w.norm)), sentence: w.list[i].sentence}
		x.hash = fnv(w.norm[x.from:x.to])
		out = append(out, x)
		i = j
	}
	w.list = out
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// ideograph is a character that is a word of its own: Chinese and
// Japanese are written without spaces, so their rules are runs of these.
func ideograph(r rune) bool {
	return r >= 0x2e80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// endsSentenceAt reports whether r, at byte i of text, ends a sentence:
// a dot inside a name (.env, mcp.json, 3.5) ends nothing.
func endsSentenceAt(text string, i int, r rune) bool {
	return endsSentence(r) && (r != '.' || i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n')
}

func endsSentence(r rune) bool {
	switch r {
	case '.', '!', '?', '\n', ';', '。', '！', '？', '；':
		return true
	}
	return false
}

// invisible are characters a person does not see, read through inside a
// word; characters() reports them.
func invisible(r rune) bool {
	return r == 0x00ad || r == 0x180e || r >= 0x200b && r <= 0x200f || r >= 0x2060 && r <= 0x2064 || r == 0xfeff ||
		r >= 0xe0000 && r <= 0xe007f || r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef
}

// latinLookalike maps Cyrillic and Greek letters drawn like Latin ones.
var latinLookalike = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'һ': 'h',
	'ԛ': 'q', 'ԝ': 'w', 'к': 'k', 'м': 'm', 'т': 't', 'в': 'b', 'н': 'h',
	'ο': 'o', 'α': 'a', 'ν': 'v', 'ρ': 'p', 'τ': 't', 'ι': 'i', 'κ': 'k', 'ε': 'e', 'υ': 'u',
}

// leet maps digits onto the letters they stand for in a word of letters.
var leet = [10]byte{0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', 8: 'b'}
