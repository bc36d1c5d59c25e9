package scan

import (
	"fmt"
	"sort"
	"testing"
)

func TestZZDiag(t *testing.T) {
	c := loadCorpusT(t)
	var r reading
	score := func(text string) float32 {
		var w words
		w.read(text)
		b, _ := model.best(&w, nil, &r.seen)
		return b.score
	}
	for _, held := range []bool{false, true} {
		var pos, neg []float64
		for _, x := range c.results {
			if x.heldOut != held {
				continue
			}
			s := float64(score(x.text))
			if x.injected {
				pos = append(pos, s)
			} else {
				neg = append(neg, s)
			}
		}
		sort.Float64s(pos)
		sort.Float64s(neg)
		q := func(v []float64, p float64) float64 { return v[int(p*float64(len(v)-1))] }
		fmt.Printf("held=%v results: inj q10 %.1f q50 %.1f q90 %.1f | honest q50 %.1f q90 %.1f q99 %.1f max %.1f\n", held, q(pos, .1), q(pos, .5), q(pos, .9), q(neg, .5), q(neg, .9), q(neg, .99), neg[len(neg)-1])
		// AUC
		auc := 0.0
		for _, p := range pos {
			n := sort.SearchFloat64s(neg, p)
			auc += float64(n) / float64(len(neg))
		}
		fmt.Printf("  AUC %.3f, threshold %.2f catches %d/%d\n", auc/float64(len(pos)), model.resWithhold, len(pos)-sort.SearchFloat64s(pos, float64(model.resWithhold)), len(pos))
	}
}
