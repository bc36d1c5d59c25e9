package scan

import "testing"

// markAnchors' quick ways (a word's letters passed at once, eight bytes
// read at a time, runs of blob bytes read from their ends) mark what a
// plain reading of one byte at a time marks: random texts of what each
// looks for, and the corpus'.
func TestMarksAreThoseOfAReadingByteByByte(t *testing.T) {
	alphabet := []string{"a", "A", "k", "i", "ws", "AKIA", "sk-", "<", "-----BEGIN", "eyJ", "\n", "\r", "\r\n", "\t", "\x7f", "\x01", " ", "é", "+", "/", "0", "http", "xox", "_", "."}
	texts := randomTexts(t, 3, 100000, 60, alphabet)
	for _, text := range texts {
		got, want := markAnchors(text), marksByteByByte(text)
		if got.rules != want.rules || got.exfil != want.exfil || got.plain != want.plain || got.blobRun != want.blobRun {
			t.Fatalf("%q: %+v want %+v", text, got, want)
		}
	}
}

func marksByteByByte(text string) marks {
	m := marks{plain: true}
	run := 0
	prevLetter := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		k := byteClass[c]
		if k&classPlain == 0 && (c != '\r' || i+1 == len(text) || text[i+1] != '\n') {
			m.plain = false
		}
		if k&classBlob != 0 {
			if run++; run >= blobMin {
				m.blobRun = true
			}
		} else {
			run = 0
		}
		letter := k&classLetter != 0
		if letter && prevLetter {
			continue // inside a word, where no anchor starts
		}
		prevLetter = letter
		for _, a := range anchorIndex.byFirst[lower(c)] {
			if hasPrefixFold(text[i:], a.text) {
				m.rules |= a.rules
				m.exfil = m.exfil || a.exfil
			}
		}
	}
	return m
}
