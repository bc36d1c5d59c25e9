package scan

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// The learned scorer reads a text the way the phrase rules do, as words,
// and scores blocks of it (see blocker) with a linear model over their
// words, word pairs, word stems and the kinds of cue words their
// sentences hold (cues.go): how much a passage reads like an instruction
// to the model rather than a tool's account of itself. It catches what no
// phrase names: the same request in other words. Its weights are trained on the project's own corpus by
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
	// Thresholds on the raw score: at or above show, a text is shown to
	// the person (Low); at or above withhold it withholds (Medium); below
	// clear, it reads as honest as few attacks do, and a phrase rule's
	// finding in it is shown, not withheld (see gate).
	defShow, defWithhold, defClear, resShow, resWithhold, resClear float32
	weights                                                        []int8
}

//go:embed scorer.bin
var scorerFile []byte

var model = mustLoadScorer(scorerFile)

const scorerMagic = "BHS2"

func mustLoadScorer(b []byte) *scorer {
	s, err := loadScorer(b)
	if err != nil {
		panic("scan: embedded scorer: " + err.Error())
	}
	return s
}

func loadScorer(b []byte) (*scorer, error) {
	const header = 4 + 8*4
	if len(b) != header+1<<scorerBits || string(b[:4]) != scorerMagic {
		return nil, fmt.Errorf("not a scorer of %d weights", 1<<scorerBits)
	}
	f := func(i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[4+4*i:])) }
	s := &scorer{bias: f(0), scale: f(1), defShow: f(2), defWithhold: f(3), defClear: f(4), resShow: f(5), resWithhold: f(6), resClear: f(7)}
	s.weights = make([]int8, 1<<scorerBits)
	for i, c := range b[header:] {
		s.weights[i] = int8(c)
	}
	return s, nil
}

func (s *scorer) marshal() []byte {
	b := []byte(scorerMagic)
	for _, v := range []float32{s.bias, s.scale, s.defShow, s.defWithhold, s.defClear, s.resShow, s.resWithhold, s.resClear} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for _, w := range s.weights {
		b = append(b, byte(w))
	}
	return b
}

func mix(a, b uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 ^ b
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

func bucketOf(h uint64) uint32 { return uint32((h * 0x9e3779b97f4a7c15) >> (64 - scorerBits)) }

// A document (a definition's prose, or a result) is scored in blocks:
// runs of whole pieces, a piece being a sentence or, in a long one, up to
// chunkWords of its words, closed once a block holds blockWords words.
// Each block and each pair of neighbouring blocks is scored, and the
// document scores as its best: an attack is a few sentences, and a block
// is long enough to hold the request and its cover, short enough that a
// long honest text does not add up to one. A block never spans two
// documents but does span the texts of one, as a tool's description and
// its parameters' are read together. Each feature counts once in a block.
const (
	chunkWords = 32
	blockWords = 96
)

// blocker cuts the words of a document into pieces and blocks and hands
// each piece's features new to its block to its sink.
type blocker struct {
	seen       featureSet
	feats      []uint32 // of the open piece
	blockWords int      // words in the open block
	cues       uint16   // the kinds of cue words of the open piece
	sink       blockSink
	inResult   bool // the document is a result: its features have twins
}

// A blockSink receives what a blocker reads: each piece, with its
// features new to the block, and each block's end.
type blockSink interface {
	piece(ws *words, from, to int, feats []uint32)
	endBlock()
}

// read feeds the words of ws from word first on, as the next text of the
// document.
func (b *blocker) read(ws *words, first int) {
	pieceFrom := first
	for i := first; i < len(ws.list); i++ {
		w := &ws.list[i]
		if i > pieceFrom && (w.sentence != ws.list[i-1].sentence || i-pieceFrom >= chunkWords) {
			b.endPiece(ws, pieceFrom, i)
			pieceFrom = i
		}
		b.cues |= cueKindsOf(w.hash)
		// The word, the pair it ends, and the stems of a long word (its
		// first four and five letters: inflections and compounds share
		// them).
		b.add(bucketOf(w.hash))
		if i > 0 && ws.list[i-1].sentence == w.sentence {
			b.add(bucketOf(mix(ws.list[i-1].hash, w.hash)))
		}
		if w.to-w.from >= 7 {
			b.add(bucketOf(fnv(ws.norm[w.from:w.from+5]) ^ 0x5bd1e995))
		}
		if w.to-w.from >= 5 {
			b.add(bucketOf(fnv(ws.norm[w.from:w.from+4]) ^ 0x1234567))
		}
	}
	if pieceFrom < len(ws.list) {
		b.endPiece(ws, pieceFrom, len(ws.list))
	}
}

func (b *blocker) add(f uint32) {
	if !b.seen.add(f) {
		b.feats = append(b.feats, f)
	}
}

// resultFeature is f's twin, read with f in results only: a word means
// the same in a definition and a result for the most part, and for the
// rest each kind has its own weight (what a tool's docs say honestly, a
// page's text does not, and the other way round).
func resultFeature(f uint32) uint32 { return (f*2654435761 + 12345) & (1<<scorerBits - 1) }

func (b *blocker) endPiece(ws *words, from, to int) {
	cueFeatures(b.cues, b.add)
	b.cues = 0
	b.sink.piece(ws, from, to, b.feats)
	b.feats = b.feats[:0]
	if b.blockWords += to - from; b.blockWords >= blockWords {
		b.end()
	}
}

// end closes the open block, if it holds any words; call it when the
// document ends.
func (b *blocker) end() {
	if b.blockWords > 0 {
		b.sink.endBlock()
		b.blockWords = 0
		b.seen.clear()
	}
}

// scoring is the scoring of one document: its best block or pair so far,
// and where in it the best piece is, to show.
type scoring struct {
	blocker
	cur, prev blockSum
	top       blockSum
	scored    bool // top is a block's
	hasPrev   bool
	text      int // the caller's number for the text being read
	offset    int // of the words read in the text
}

type blockSum struct {
	sum    int32
	words  int // in the block (or pair)
	score  float32
	anchor place // the piece of the block (or pair) summing highest
	best   int32 // its sum
}

// place is a byte span of one of the document's texts.
type place struct{ text, from, to int }

var scorings = sync.Pool{New: func() any { return new(scoring) }}

// newScoring is a scoring from the pool; put it back with done.
func newScoring() *scoring {
	s := scorings.Get().(*scoring)
	s.seen.clear()
	s.blockWords, s.text, s.offset, s.feats, s.cues, s.inResult = 0, 0, 0, s.feats[:0], 0, false
	s.cur, s.prev, s.top, s.scored, s.hasPrev = blockSum{}, blockSum{}, blockSum{}, false, false
	s.sink = s
	return s
}

func (s *scoring) done() { scorings.Put(s) }

func (s *scoring) piece(ws *words, from, to int, feats []uint32) {
	sum := int32(0)
	for _, f := range feats {
		sum += int32(model.weights[f])
	}
	if s.inResult {
		for _, f := range feats {
			sum += int32(model.weights[resultFeature(f)])
		}
	}
	s.cur.sum += sum
	s.cur.words += to - from
	if sum > s.cur.best || s.cur.anchor == (place{}) {
		s.cur.best = sum
		s.cur.anchor = place{s.text, s.offset + int(ws.list[from].start), s.offset + int(ws.list[to-1].end)}
	}
}

func (s *scoring) endBlock() {
	s.consider(s.cur)
	if s.hasPrev {
		pair := blockSum{sum: s.cur.sum + s.prev.sum, words: s.cur.words + s.prev.words, anchor: s.cur.anchor, best: s.cur.best}
		if s.prev.best > s.cur.best {
			pair.anchor = s.prev.anchor
		}
		s.consider(pair)
	}
	s.prev, s.cur, s.hasPrev = s.cur, blockSum{}, true
}

func (s *scoring) consider(b blockSum) {
	b.score = model.bias + model.scale*float32(b.sum)
	if !s.scored || b.score > s.top.score {
		s.top, s.scored = b, true
	}
}

// bestWords is the number of words of the best block or pair.
func (s *scoring) bestWords() int { return s.top.words }

// bestText is the caller's number of the text the best place is in.
func (s *scoring) bestText() int { return s.top.anchor.text }

// result ends the document and says its best score and where to show it;
// ok is false for a document with no words.
func (s *scoring) result() (score float32, at place, ok bool) {
	s.end()
	return s.top.score, s.top.anchor, s.scored
}

// featureSet is the features seen in one block: a bit per weight, and the
// bits set, to clear them when the block ends.
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
