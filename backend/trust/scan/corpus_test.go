package scan

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// corpusOthers are the other servers' tools the corpus entries are judged
// against (for shadowing and look-alike names).
var corpusOthers = map[string]string{
	"send_email": "mail", "read_file": "filesystem", "run_query": "postgres",
	"github_create_pull_request": "github", "slack_post_message": "slack",
	"execute_command": "shell", "web_search": "search", "get_location": "maps",
}

type corpusEntry struct {
	ID         string   `yaml:"id"`
	Style      string   `yaml:"style"`
	Kind       string   `yaml:"kind"`
	Expect     []string `yaml:"expect"`
	Definition any      `yaml:"definition"`
}

// loadCorpus reads a corpus file and gives each definition the types the
// gateway sees: decoded from JSON.
func loadCorpus(t *testing.T, path string) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var entries []corpusEntry
	if err := yaml.Unmarshal(b, &entries); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	seen := map[string]bool{}
	for i, e := range entries {
		if e.ID == "" || seen[e.ID] || e.Definition == nil {
			t.Fatalf("%s: entry %d: missing or repeated id or definition", path, i)
		}
		seen[e.ID] = true
		doc, err := json.Marshal(e.Definition)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, e.ID, err)
		}
		entries[i].Definition = nil
		if err := json.Unmarshal(doc, &entries[i].Definition); err != nil {
			t.Fatal(err)
		}
	}
	return entries
}

// TestCorpus measures the scanner on the curated corpus: at least 95% of
// the poisoned definitions withheld for one of the reasons they were
// written to show, at most 5% of the honest ones withheld, and every rule
// shown by at least three entries and caught at least once.
func TestCorpus(t *testing.T) {
	ctx := NewContext(corpusOthers)
	poisoned := loadCorpus(t, "testdata/corpus/poisoned.yaml")
	benign := loadCorpus(t, "testdata/corpus/benign.yaml")
	if len(poisoned) < 60 || len(benign) < 60 {
		t.Fatalf("corpus too small: %d poisoned, %d benign; at least 60 each", len(poisoned), len(benign))
	}

	expected, caught := map[string]int{}, map[string]int{}
	var missed []string
	for _, e := range poisoned {
		if len(e.Expect) == 0 {
			t.Fatalf("poisoned %s: no expected rule", e.ID)
		}
		fired := map[string]bool{}
		findings := Definition(e.Definition, ctx)
		for _, f := range findings {
			fired[f.Rule] = true
		}
		hit := false
		for _, r := range e.Expect {
			if !slices.Contains(ruleIDs, r) {
				t.Fatalf("poisoned %s: unknown rule %q", e.ID, r)
			}
			expected[r]++
			if fired[r] {
				caught[r]++
				hit = true
			}
		}
		if !Blocks(findings) || !hit {
			missed = append(missed, e.ID+" (want "+strings.Join(e.Expect, "/")+"; got "+describe(findings)+")")
		}
	}
	var falsePositives []string
	for _, e := range benign {
		if findings := Definition(e.Definition, ctx); Blocks(findings) {
			falsePositives = append(falsePositives, e.ID+": "+describe(findings))
		}
	}

	detection := 1 - float64(len(missed))/float64(len(poisoned))
	fpRate := float64(len(falsePositives)) / float64(len(benign))
	t.Logf("detection %.1f%% (%d of %d poisoned), false positives %.1f%% (%d of %d benign)",
		100*detection, len(poisoned)-len(missed), len(poisoned), 100*fpRate, len(falsePositives), len(benign))
	for _, m := range missed {
		t.Logf("missed: %s", m)
	}
	for _, f := range falsePositives {
		t.Logf("false positive: %s", f)
	}
	if detection < 0.95 {
		t.Errorf("detection %.1f%% is below 95%%", 100*detection)
	}
	if fpRate > 0.05 {
		t.Errorf("false positives %.1f%% are above 5%%", 100*fpRate)
	}
	for _, r := range ruleIDs {
		if expected[r] < 3 || caught[r] == 0 {
			t.Errorf("rule %s: shown by %d poisoned entries and caught in %d; want at least 3 and 1", r, expected[r], caught[r])
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
