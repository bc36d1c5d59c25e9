package scan

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	c := loadCorpusT(t)
	servers := c.otherServers()
	f, _ := os.Create("/tmp/missed.txt")
	defer f.Close()
	for _, d := range c.defs {
		if d.heldOut || !d.poisoned {
			continue
		}
		if fs := scanDef(d, c.contextFor(d, servers)); !Blocks(fs) {
			var texts []string
			for _, s := range definitionTexts(d.def) {
				if len(s) > 12 {
					texts = append(texts, s)
				}
			}
			fmt.Fprintf(f, "## %s [%s/%s]\n%s\n\n", d.id, d.family, d.lang, strings.Join(texts, " | "))
		}
	}
	for _, r := range c.results {
		if r.heldOut || !r.injected {
			continue
		}
		if fs := Output(r.text, nil); !Blocks(fs) {
			fmt.Fprintf(f, "## R %s [%s/%s]\n%s\n\n", r.id, r.family, r.lang, r.text)
		}
	}
}
