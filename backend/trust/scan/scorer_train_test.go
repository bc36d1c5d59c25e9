package scan

import (
	"bytes"
	"flag"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

var updateScorer = flag.Bool("update-scorer", false, "train the scorer on the corpus and write scorer.bin")

// TestScorerWeights trains the scorer on the corpus, never on a held-out
// case, and checks that the embedded weights are what it trains: nobody
// set them by hand, and they follow the corpus. With -update-scorer it
// writes them.
func TestScorerWeights(t *testing.T) {
	c := loadCorpusT(t)
	trained := train(c)
	if *updateScorer {
		if err := os.WriteFile("scorer.bin", trained.marshal(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("scorer.bin written: thresholds (clear/show/withhold) definitions %.3f/%.3f/%.3f, results %.3f/%.3f/%.3f",
			trained.defClear, trained.defShow, trained.defWithhold, trained.resClear, trained.resShow, trained.resWithhold)
		return
	}
	// Floating point may round differently on another machine: a few
	// weights one step apart are the same training.
	off := 0
	for i, w := range trained.weights {
		d := int(w) - int(model.weights[i])
		if d > 1 || d < -1 {
			off += 1 << 20
		} else if d != 0 {
			off++
		}
	}
	if off > len(trained.weights)/1000 || !near(trained.defWithhold, model.defWithhold) || !near(trained.resWithhold, model.resWithhold) ||
		!near(trained.defClear, model.defClear) || !near(trained.resClear, model.resClear) {
		t.Fatalf("scorer.bin is not what the corpus trains (%d weights differ); run go test ./backend/trust/scan -run TestScorerWeights -update-scorer", off)
	}
}

func near(a, b float32) bool { return a == b || math.Abs(float64(a-b)) < 0.05 }

// An example is a span of a text with its features; for a poisoned case,
// the spans of the case are its candidates, of which training picks the
// one the model scores highest (the attack is in one of them).
type example struct {
	feats []uint32
}

type trainCase struct {
	spans    []example
	positive bool
	result   bool
	fold     int // for the thresholds: which third of the training split it is in
	// written is an honest case written as a hard negative: trained on,
	// but not what real servers send, so not what thresholds are set by.
	written bool
}

// trainingCases are the corpus' cases not held out, as the blocks the
// scan reads.
func trainingCases(c *corpus) []trainCase {
	var out []trainCase
	for _, d := range c.defs {
		if d.heldOut {
			continue
		}
		group := d.id
		if d.server != "" {
			group = d.server // a server's tools are alike: one fold
		}
		out = append(out, trainCase{spans: definitionSpans(d), positive: d.poisoned, fold: foldOf(group), written: !d.poisoned && d.server == ""})
	}
	for _, r := range c.results {
		if !r.heldOut {
			out = append(out, trainCase{spans: resultSpans(r.text), positive: r.injected, result: true, fold: foldOf(r.id),
				written: !r.injected && strings.HasPrefix(r.file, "written")})
		}
	}
	return out
}

// definitionSpans are the blocks, and pairs of blocks, the scan scores in
// a definition, read by the scan itself.
func definitionSpans(d defCase) []example {
	sc, rec := recordingScoring()
	defer sc.done()
	if d.kind == "instructions" {
		readText(nil, d.def.(string), true, sc)
	} else {
		w := walker{ctx: NewContext(nil), prose: sc}
		w.walk(d.def)
	}
	sc.end()
	return rec.examples()
}

// resultSpans are those of a result.
func resultSpans(text string) []example {
	sc, rec := recordingScoring()
	defer sc.done()
	rec.inResult = true
	readText(nil, text, false, sc)
	sc.end()
	return rec.examples()
}

// recordingScoring is a scoring whose blocks go to a recorder.
func recordingScoring() (*scoring, *recorder) {
	sc, rec := newScoring(), &recorder{}
	sc.sink = rec
	return sc, rec
}

// recorder keeps the features of each block a blocker reads.
type recorder struct {
	blocks   [][]uint32
	cur      []uint32
	inResult bool // each feature's twin is read too (see resultFeature)
}

func (r *recorder) piece(_ *words, _, _ int, feats []uint32) {
	r.cur = append(r.cur, feats...)
	if r.inResult {
		for _, f := range feats {
			r.cur = append(r.cur, resultFeature(f))
		}
	}
}
func (r *recorder) endBlock() {
	r.blocks = append(r.blocks, r.cur)
	r.cur = nil
}

// examples are the blocks and pairs of neighbouring blocks.
func (r *recorder) examples() []example {
	var out []example
	for k, b := range r.blocks {
		out = append(out, example{feats: b})
		if k > 0 {
			out = append(out, example{feats: slices.Concat(r.blocks[k-1], b)})
		}
	}
	return out
}

// foldOf puts a case in one of three folds, by a hash other than the
// held-out split's.
func foldOf(id string) int { return int(fnv([]byte(id)) % folds) }

const folds = 3

// train fits the scorer on the corpus' training split. Its thresholds
// are set on scores the model gave cases it had not trained on: each
// fold of the training split scored by a model fitted on the others, so
// they hold for text the scorer has not seen, as real servers' is.
func train(c *corpus) *scorer {
	cases := trainingCases(c)
	unseen := make([]float64, len(cases)) // each case's score by a model that did not train on it
	for f := range folds {
		var rest []trainCase
		for _, tc := range cases {
			if tc.fold != f {
				rest = append(rest, tc)
			}
		}
		m := quantise(fit(rest))
		for i, tc := range cases {
			if tc.fold == f {
				unseen[i] = m.topScore(tc.spans)
			}
		}
	}
	s := quantise(fit(cases))
	s.defShow, s.defWithhold = thresholds(cases, unseen, false)
	s.resShow, s.resWithhold = thresholds(cases, unseen, true)
	s.defClear, s.resClear = clearBelow(cases, unseen, false), clearBelow(cases, unseen, true)
	return s
}

// clearQuantile is the share of attacks of the training split, scored
// unseen, that score below the score under which a text is cleared.
const clearQuantile = 0.02

// clearBelow is the score under which a text of the kind is cleared.
func clearBelow(cases []trainCase, unseen []float64, results bool) float32 {
	var scores []float64
	for i, tc := range cases {
		if tc.positive && tc.result == results && len(tc.spans) > 0 {
			scores = append(scores, unseen[i])
		}
	}
	if len(scores) == 0 {
		return float32(math.Inf(-1))
	}
	sort.Float64s(scores)
	return float32(scores[int(clearQuantile*float64(len(scores)))])
}

// topScore is the highest score of the spans.
func (s *scorer) topScore(spans []example) float64 {
	top := math.Inf(-1)
	for _, e := range spans {
		var sum int32
		for _, f := range e.feats {
			sum += int32(s.weights[f])
		}
		top = max(top, float64(s.bias+s.scale*float32(sum)))
	}
	return top
}

// fit is logistic regression by Adagrad, in a fixed order, so that the
// same cases always train the same weights; the weights returned are the
// average of those after each epoch of the second half, steadier than the
// last. Every span of an honest case is a negative. A poisoned case
// counts once: in the first epochs through all its spans, then through
// the span the model scores highest (multiple-instance learning).
// Training settings, chosen by the rates they give out of fold on the
// training split: honest spans weigh ten times the attacks in all.
const negWeightFactor, l2, rate0, epochs, warm = 10.0, 1e-3, 0.05, 20, 2

func fit(cases []trainCase) ([]float64, float64) {
	n := 1 << scorerBits
	w, sq, avg := make([]float64, n+1), make([]float64, n+1), make([]float64, n+1) // the bias is w[n]
	score := func(e example) float64 {
		s := w[n]
		for _, f := range e.feats {
			s += w[f]
		}
		return s
	}
	update := func(f int, g float64) {
		sq[f] += g * g
		w[f] -= rate0 * g / (math.Sqrt(sq[f]) + 1e-8)
	}
	step := func(e example, label, weight float64) {
		g := (1/(1+math.Exp(-score(e))) - label) * weight
		update(n, g)
		for _, f := range e.feats {
			update(int(f), g+l2*w[f])
		}
	}
	var positives, negatives float64
	for _, tc := range cases {
		if tc.positive {
			positives++
		} else {
			negatives += float64(len(tc.spans))
		}
	}
	negWeight := negWeightFactor * positives / max(negatives, 1)
	order := make([]int, len(cases))
	for i := range order {
		order[i] = i
	}
	rng := uint64(0x2545f4914f6cdd1d)
	for epoch := range epochs {
		for i := len(order) - 1; i > 0; i-- { // a fixed shuffle
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			j := int(rng % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, k := range order {
			tc := cases[k]
			switch {
			case len(tc.spans) == 0:
			case !tc.positive:
				for _, e := range tc.spans {
					step(e, 0, negWeight)
				}
			case epoch < warm:
				for _, e := range tc.spans {
					step(e, 1, 1/float64(len(tc.spans)))
				}
			default:
				best, top := 0, math.Inf(-1)
				for i, e := range tc.spans {
					if s := score(e); s > top {
						best, top = i, s
					}
				}
				step(tc.spans[best], 1, 1)
			}
		}
		if epoch >= epochs/2 {
			for i, v := range w {
				avg[i] += v / float64(epochs-epochs/2)
			}
		}
	}
	return avg[:n], avg[n]
}

func quantise(w []float64, bias float64) *scorer {
	top := 0.0
	for _, v := range w {
		top = max(top, math.Abs(v))
	}
	scale := top / 127
	if scale == 0 {
		scale = 1
	}
	s := &scorer{bias: float32(bias), scale: float32(scale), weights: make([]int8, len(w))}
	for i, v := range w {
		s.weights[i] = int8(math.Round(v / scale))
	}
	return s
}

// Quantiles of the honest training cases' scores at which the scorer
// shows a span (Low) and withholds it (Medium).
const (
	defShowQuantile, defWithholdQuantile = 0.98, 0.999
	resShowQuantile, resWithholdQuantile = 0.97, 0.99
)

// A scorer that has seen too little honest text of a kind says nothing of
// that kind: its thresholds would say little of the text real servers
// send.
const minHonestDefinitions, minHonestResults = 1000, 200

// thresholds are the scores above which as many honest training cases of
// the kind as the quantiles allow would be shown and withheld, by their
// scores unseen.
func thresholds(cases []trainCase, unseen []float64, results bool) (show, withhold float32) {
	var scores []float64
	for i, tc := range cases {
		if tc.positive || tc.written || tc.result != results || len(tc.spans) == 0 {
			continue
		}
		scores = append(scores, unseen[i])
	}
	if enough := map[bool]int{false: minHonestDefinitions, true: minHonestResults}[results]; len(scores) < enough {
		return float32(math.Inf(1)), float32(math.Inf(1))
	}
	sort.Float64s(scores)
	at := func(q float64) float32 {
		return float32(scores[min(len(scores)-1, int(q*float64(len(scores))))]) + 1e-3
	}
	return at(showQuantile(results)), at(withholdQuantile(results))
}

func showQuantile(results bool) float64 {
	if results {
		return resShowQuantile
	}
	return defShowQuantile
}

func withholdQuantile(results bool) float64 {
	if results {
		return resWithholdQuantile
	}
	return defWithholdQuantile
}

// TestScorerFileRoundTrips checks the weights file format.
func TestScorerFileRoundTrips(t *testing.T) {
	s := quantise([]float64{1, -2, 0.5}, 0.25)
	s.weights = append(s.weights, make([]int8, 1<<scorerBits-len(s.weights))...)
	s.defShow, s.defWithhold, s.defClear, s.resShow, s.resWithhold, s.resClear = 1, 2, -1, 3, 4, -2
	back, err := loadScorer(s.marshal())
	if err != nil || !bytes.Equal(back.marshal(), s.marshal()) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := loadScorer(s.marshal()[:100]); err == nil {
		t.Fatal("a short file loaded")
	}
}
