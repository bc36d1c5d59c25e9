// Package docs holds the project's documents; its test keeps the threat
// model honest: every test it names exists.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestThreatModelNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("threat-model.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)\w+)\(`)
	for _, dir := range []string{"../backend", "."} {
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			for _, m := range decl.FindAllSubmatch(src, -1) {
				defined[string(m[1])] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rows := 0
	for _, line := range strings.Split(string(doc), "\n") {
		if !regexp.MustCompile(`^\| \d+ \|`).MatchString(line) {
			continue
		}
		rows++
		cells := strings.Split(line, "|")
		named := regexp.MustCompile(`\b(?:Test|Fuzz)\w+`).FindAllString(cells[len(cells)-2], -1)
		if len(named) == 0 {
			t.Errorf("a threat without a test: %s", line)
		}
		for _, name := range named {
			if !defined[name] {
				t.Errorf("the threat model names %s, which is no test", name)
			}
		}
	}
	if rows < 15 {
		t.Fatalf("found %d threats in the table; is it still a table?", rows)
	}
	// Tests named elsewhere in it (the channels of text) exist too.
	for _, name := range regexp.MustCompile(`\b(?:Test|Fuzz)[A-Z]\w+`).FindAllString(string(doc), -1) {
		if !defined[name] {
			t.Errorf("the threat model names %s, which is no test", name)
		}
	}
}
