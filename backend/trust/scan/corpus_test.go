package scan

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// The rates the scanner must hold on the held-out split of the corpus,
// which the scorer never trains on: detection of poisoned definitions
// and injected results, and how many honest definitions and results it
// withholds. They are what the scanner holds today, moved towards the
// aim as it improves (95% and 90% caught, 0.2% and 1% of honest ones
// withheld); where detection was traded for fewer honest tools withheld,
// the commit says so.
const (
	minDefinitionDetection = 0.53
	minResultDetection     = 0.80
	maxHonestDefinitions   = 0.009
	maxHonestResults       = 0.03
)

// showSplit names the split whose misses (and honest cases withheld) are
// logged: rules are written looking at the trained split only.
var showSplit = flag.String("corpus-show", "", "log the misses of this split of the corpus: trained or held-out")

// tally counts the cases of one family and how many were withheld.
type tally struct{ cases, withheld int }

func (t tally) rate() float64 { return float64(t.withheld) / float64(max(t.cases, 1)) }

// TestCorpus measures the scanner on the corpus and reports it per
// family, on the held-out split and on the rest: poisoned definitions and
// injected results withheld, honest definitions (recorded from real
// servers and written) and honest results withheld.
func TestCorpus(t *testing.T) {
	c := loadCorpusT(t)
	servers := c.otherServers()
	type key struct {
		kind    string // definitions or results
		bad     bool
		family  string
		heldOut bool
	}
	tallies := map[key]*tally{}
	count := func(k key, withheld bool, id string, fs []Finding) {
		if tallies[k] == nil {
			tallies[k] = &tally{}
		}
		tallies[k].cases++
		if withheld {
			tallies[k].withheld++
		}
		if *showSplit == map[bool]string{true: "held-out", false: "trained"}[k.heldOut] && withheld != k.bad {
			what := "missed"
			if withheld {
				what = "withheld honest"
			}
			t.Logf("%s %s %s: %s", what, k.kind, id, describe(fs))
		}
	}
	for _, d := range c.defs {
		fs := scanDef(d, c.contextFor(d, servers))
		count(key{"definitions", d.poisoned, d.family, d.heldOut}, Blocks(fs), d.id, fs)
	}
	for _, r := range c.results {
		fs := Output(r.text, nil)
		count(key{"results", r.injected, r.family, r.heldOut}, Blocks(fs), r.id, fs)
	}

	total := func(kind string, bad, heldOut bool) tally {
		var sum tally
		for k, v := range tallies {
			if k.kind == kind && k.bad == bad && k.heldOut == heldOut {
				sum.cases += v.cases
				sum.withheld += v.withheld
			}
		}
		return sum
	}
	keys := slices.SortedFunc(maps.Keys(tallies), func(a, b key) int {
		return strings.Compare(fmt.Sprint(a.kind, !a.bad, a.family, a.heldOut), fmt.Sprint(b.kind, !b.bad, b.family, b.heldOut))
	})
	for _, k := range keys {
		v := tallies[k]
		split := "trained on"
		if k.heldOut {
			split = "held out"
		}
		label := "honest"
		if k.bad {
			label = "attacks"
		}
		t.Logf("%-11s %-7s %-22s %-10s %4d of %4d withheld (%.1f%%)", k.kind, label, k.family, split, v.withheld, v.cases, 100*v.rate())
	}
	for _, check := range []struct {
		kind  string
		bad   bool
		limit float64
	}{
		{"definitions", true, minDefinitionDetection}, {"results", true, minResultDetection},
		{"definitions", false, maxHonestDefinitions}, {"results", false, maxHonestResults},
	} {
		held, trained := total(check.kind, check.bad, true), total(check.kind, check.bad, false)
		t.Logf("%s, %s: held out %d of %d withheld (%.2f%%); trained on %d of %d (%.2f%%)", check.kind, map[bool]string{true: "attacks", false: "honest"}[check.bad],
			held.withheld, held.cases, 100*held.rate(), trained.withheld, trained.cases, 100*trained.rate())
		switch {
		case held.cases == 0:
			t.Errorf("%s: no held-out cases", check.kind)
		case check.bad && held.rate() < check.limit:
			t.Errorf("%s: %.1f%% of held-out attacks withheld, want at least %.1f%%", check.kind, 100*held.rate(), 100*check.limit)
		case !check.bad && held.rate() > check.limit:
			t.Errorf("%s: %.2f%% of held-out honest cases withheld, want at most %.2f%%", check.kind, 100*held.rate(), 100*check.limit)
		}
	}
}

func describe(fs []Finding) string {
	if len(fs) == 0 {
		return "nothing"
	}
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return strings.Join(s, "; ")
}
