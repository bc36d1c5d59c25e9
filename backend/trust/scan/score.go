package scan

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
)

// The learned scorer reads a text the way the phrase rules do, as words,
// and scores each sentence, and each pair of neighbouring sentences, with
// a linear model over their words, word pairs and word stems: how much
// the span reads like an instruction to the model rather than a tool's
// account of itself. It catches what no phrase names: the same request in
// other words. Its weights are trained on the project's own corpus by
// TestScorerWeights (which also checks they are what that corpus trains)
// and embedded; scoring is deterministic and needs no network.

// scorerBits is log2 of the number of weights: features are hashed into
// them.
const scorerBits = 18

// scorer is a trained model: a weight per hashed feature, quantised to a
// byte, and the thresholds training chose for definitions and for
// results.
type scorer struct {
	bias, scale float32
	// Thresholds on the raw score: at or above show, a span is shown to
	// the person (Low); at or above withhold it withholds (Medium).
	defShow, defWithhold, resShow, resWithhold float32
	weights                                    []int8
}

//go:embed scorer.bin
var scorerFile []byte

var model = mustLoadScorer(scorerFile)

const scorerMagic = "BHS1"

func mustLoadScorer(b []byte) *scorer {
	s, err := loadScorer(b)
	if err != nil {
		panic("scan: embedded scorer: " + err.Error())
	}
	return s
}

func loadScorer(b []byte) (*scorer, error) {
	const header = 4 + 6*4
	if len(b) != header+1<<scorerBits || string(b[:4]) != scorerMagic {
		return nil, fmt.Errorf("not a scorer of %d weights", 1<<scorerBits)
	}
	f := func(i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[4+4*i:])) }
	s := &scorer{bias: f(0), scale: f(1), defShow: f(2), defWithhold: f(3), resShow: f(4), resWithhold: f(5)}
	s.weights = make([]int8, 1<<scorerBits)
	for i, c := range b[header:] {
		s.weights[i] = int8(c)
	}
	return s, nil
}

func (s *scorer) marshal() []byte {
	b := []byte(scorerMagic)
	for _, v := range []float32{s.bias, s.scale, s.defShow, s.defWithhold, s.resShow, s.resWithhold} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for _, w := range s.weights {
		b = append(b, byte(w))
	}
	return b
}

// features calls fn with the hashed features of word i of ws: the word,
// the pair it ends, and the stem of a long word.
func features(ws *words, i int, fn func(bucket uint32)) {
	w := ws.list[i]
	fn(bucketOf(w.hash))
	if i > 0 && ws.list[i-1].sentence == w.sentence {
		fn(bucketOf(mix(ws.list[i-1].hash, w.hash)))
	}
	if w.to-w.from >= 7 {
		fn(bucketOf(fnv(ws.norm[w.from:w.from+5]) ^ 0x5bd1e995))
	}
}

func mix(a, b uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 ^ b
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

func bucketOf(h uint64) uint32 { return uint32((h * 0x9e3779b97f4a7c15) >> (64 - scorerBits)) }

// span is a run of sentences of a text and its score.
type span struct {
	from, to int // word indexes, to exclusive
	score    float32
}

// best is the highest-scoring span of ws, with sums the per-sentence
// scratch space and seen that of the features of a piece: each counts
// once in it, so repeating a word does not raise a span's score.
func (s *scorer) best(ws *words, sums []sentenceSum, seen *featureSet) (span, []sentenceSum) {
	sums = sums[:0]
	for i := range ws.list {
		if startsChunk(ws, i, sums) {
			sums = append(sums, sentenceSum{from: i})
		}
		cur := &sums[len(sums)-1]
		features(ws, i, func(b uint32) {
			if !seen.add(b) {
				cur.sum += int32(s.weights[b])
			}
		})
		cur.to = i + 1
		if i+1 == len(ws.list) || startsChunk(ws, i+1, sums) {
			seen.clear()
		}
	}
	top := span{score: float32(math.Inf(-1))}
	for k, c := range sums {
		if v := s.bias + s.scale*float32(c.sum); v > top.score {
			top = span{from: c.from, to: c.to, score: v}
		}
		if k > 0 {
			if v := s.bias + s.scale*float32(c.sum+sums[k-1].sum); v > top.score {
				top = span{from: sums[k-1].from, to: c.to, score: v}
			}
		}
	}
	return top, sums
}

// chunkWords is the most words scored as one sentence: a long one (code,
// a log line, a list) is scored in pieces, so that what a span scores
// does not grow with its length.
const chunkWords = 32

// startsChunk reports whether word i starts a new scored piece, given the
// pieces so far.
func startsChunk(ws *words, i int, sums []sentenceSum) bool {
	return i == 0 || ws.list[i].sentence != ws.list[i-1].sentence || i-sums[len(sums)-1].from >= chunkWords
}

type sentenceSum struct {
	from, to int
	sum      int32
}

// featureSet is the features seen in one piece: a bit per weight, and the
// bits set, to clear them when the piece ends.
type featureSet struct {
	bits [1 << scorerBits / 64]uint64
	set  []uint32
}

// add marks b and reports whether it was marked already.
func (f *featureSet) add(b uint32) bool {
	w, m := b/64, uint64(1)<<(b%64)
	if f.bits[w]&m != 0 {
		return true
	}
	f.bits[w] |= m
	f.set = append(f.set, b)
	return false
}

func (f *featureSet) clear() {
	for _, b := range f.set {
		f.bits[b/64] = 0
	}
	f.set = f.set[:0]
}
