package scan

import (
	"bytes"
	"flag"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
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
		t.Logf("scorer.bin written: thresholds definitions %.3f/%.3f, results %.3f/%.3f",
			trained.defShow, trained.defWithhold, trained.resShow, trained.resWithhold)
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
	if off > len(trained.weights)/1000 || !near(trained.defWithhold, model.defWithhold) || !near(trained.resWithhold, model.resWithhold) {
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
}

// trainingCases are the corpus' cases not held out, as spans of words.
func trainingCases(c *corpus) []trainCase {
	var out []trainCase
	for _, d := range c.defs {
		if d.heldOut {
			continue
		}
		var spans []example
		for _, text := range definitionTexts(d.def) {
			spans = append(spans, textSpans(text)...)
		}
		group := d.id
		if d.server != "" {
			group = d.server // a server's tools are alike: one fold
		}
		out = append(out, trainCase{spans: spans, positive: d.poisoned, fold: foldOf(group)})
	}
	for _, r := range c.results {
		if !r.heldOut {
			out = append(out, trainCase{spans: textSpans(r.text), positive: r.injected, result: true, fold: foldOf(r.id)})
		}
	}
	return out
}

// definitionTexts are the texts of a definition the scan reads: every
// string, and the names of schema properties.
func definitionTexts(v any) []string {
	var out []string
	var walk func(v any, properties bool)
	walk = func(v any, properties bool) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if properties {
					out = append(out, k)
				}
				walk(v[k], k == "properties")
			}
		case []any:
			for _, e := range v {
				walk(e, false)
			}
		}
	}
	walk(v, false)
	return out
}

// textSpans are the spans the scorer scores in text: each sentence and
// each pair of neighbouring ones.
func textSpans(text string) []example {
	var ws words
	var out []example
	for at := 0; at < len(text); {
		end, _ := cutPiece(text, at, readPiece)
		ws.read(text[at:end])
		var sentences [][]uint32
		var chunks []sentenceSum
		for i := range ws.list {
			if startsChunk(&ws, i, chunks) {
				chunks = append(chunks, sentenceSum{from: i})
				sentences = append(sentences, nil)
			}
			features(&ws, i, func(b uint32) {
				if !slices.Contains(sentences[len(sentences)-1], b) { // a feature counts once in a piece
					sentences[len(sentences)-1] = append(sentences[len(sentences)-1], b)
				}
			})
		}
		for k, s := range sentences {
			out = append(out, example{feats: s})
			if k > 0 {
				out = append(out, example{feats: slices.Concat(sentences[k-1], s)})
			}
		}
		at = end
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
	return s
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

// fit is logistic regression by stochastic gradient descent, in a fixed
// order, so that the same cases always train the same weights. Every
// span of an honest case is a negative. A poisoned case counts once: in
// the first epochs through all its spans, then through the span the
// model scores highest (multiple-instance learning).
func fit(cases []trainCase) ([]float64, float64) {
	w := make([]float64, 1<<scorerBits)
	bias := 0.0
	score := func(e example) float64 {
		s := bias
		for _, f := range e.feats {
			s += w[f]
		}
		return s
	}
	var positives, negatives float64
	for _, tc := range cases {
		if tc.positive {
			positives++
		} else {
			negatives += float64(len(tc.spans))
		}
	}
	negWeight := 3 * positives / max(negatives, 1) // honest spans weigh three times the attacks in all
	const epochs, warm, l2 = 12, 2, 1e-6
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
		rate := 0.2 / (1 + float64(epoch))
		step := func(e example, label, weight float64) {
			p := 1 / (1 + math.Exp(-score(e)))
			g := (p - label) * weight * rate
			bias -= g
			for _, f := range e.feats {
				w[f] -= g + l2*w[f]
			}
		}
		for _, k := range order {
			tc := cases[k]
			if len(tc.spans) == 0 {
				continue
			}
			if !tc.positive {
				for _, e := range tc.spans {
					step(e, 0, negWeight)
				}
				continue
			}
			if epoch < warm {
				for _, e := range tc.spans {
					step(e, 1, 1/float64(len(tc.spans)))
				}
				continue
			}
			best, top := 0, math.Inf(-1)
			for i, e := range tc.spans {
				if s := score(e); s > top {
					best, top = i, s
				}
			}
			step(tc.spans[best], 1, 1)
		}
	}
	return w, bias
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
	defShowQuantile, defWithholdQuantile = 0.98, 0.9995
	resShowQuantile, resWithholdQuantile = 0.97, 0.995
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
		if tc.positive || tc.result != results || len(tc.spans) == 0 {
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
	s.defShow, s.defWithhold, s.resShow, s.resWithhold = 1, 2, 3, 4
	back, err := loadScorer(s.marshal())
	if err != nil || !bytes.Equal(back.marshal(), s.marshal()) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := loadScorer(s.marshal()[:100]); err == nil {
		t.Fatal("a short file loaded")
	}
}
