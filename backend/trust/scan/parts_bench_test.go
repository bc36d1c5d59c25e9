package scan

import (
	"fmt"
	"strings"
	"testing"
)

// The parts of reading a result, each on BenchmarkOutput's honest log:
// where its time goes. Each part's figure includes those before it
// (words, then phrases or the score over them).

// honestLog is 1 MiB of honest log lines.
func honestLog() string {
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, "2026-11-24T10:%02d:%02dZ INFO request id=%08x path=/api/items/%d status=200 took=%dms user agent curl/8.5\n", i/60%60, i%60, i*7919, i, i%97)
	}
	return sb.String()[:1<<20]
}

func BenchmarkPartWords(b *testing.B) {
	text := honestLog()
	var ws words
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		for at := 0; at < len(text); {
			end, _ := cutPiece(text, at, readPiece)
			ws.read(text[at:end])
			at = end
		}
	}
	b.ReportMetric(float64(len(ws.list)), "words/piece")
}

func BenchmarkPartAnchors(b *testing.B) {
	text := honestLog()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		markAnchors(text)
	}
}

func BenchmarkPartPhrases(b *testing.B) {
	text := honestLog()
	var ws words
	var st phraseState
	var ms []match
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		for at := 0; at < len(text); {
			end, _ := cutPiece(text, at, readPiece)
			ws.read(text[at:end])
			ms = resultPhrases.find(&ws, &st, ms[:0])
			at = end
		}
	}
}

func BenchmarkPartScore(b *testing.B) {
	text := honestLog()
	var ws words
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		sc := newScoring()
		sc.inResult = true
		for at := 0; at < len(text); {
			end, _ := cutPiece(text, at, readPiece)
			ws.read(text[at:end])
			sc.read(&ws, 0)
			at = end
		}
		sc.result()
		sc.done()
	}
}
