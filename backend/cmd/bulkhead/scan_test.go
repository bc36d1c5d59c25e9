package main

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestScanPrintsFindingsOfACatalog runs `bulkhead scan` on a user catalog
// of real servers: the poisoned tool is reported with its rule ids, the
// honest server has nothing to report, a server that cannot start is named,
// and nothing is pinned or left running.
func TestScanPrintsFindingsOfACatalog(t *testing.T) {
	cli := testenv.RequireEngine(t)
	feat := testenv.ServerImage(t, cli, "featureful")
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, "version: 1\nservers:\n"+
		"  - name: feat\n    image: "+feat+"\n    args: [--poisoned]\n"+
		"  - name: plain\n    image: "+wb+"\n"+
		"  - name: gone\n    image: bulkhead-test/not-built:1\n")
	out, errOut, code := e.run("scan", "--pull", "never")
	t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	for _, want := range []string{
		"feat (" + feat + ", ",
		"tool helper: would be withheld",
		"hidden-markup [high] description:",
		"sensitive-file [high] description:",
		"plain (" + wb + ", ",
		"gone: not scanned: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "tool echo:") {
		t.Errorf("an honest tool was reported")
	}
	oneLineError(t, errOut, code, "1 definition(s) would be withheld and 1 server(s) could not be scanned")
	e.requireNoContainers(cli)
	if out, _, _ := e.run("image", "ls"); strings.Contains(out, "feat") || strings.Contains(out, "plain") {
		t.Errorf("scan pinned an image:\n%s", out)
	}
	if out, _, _ := e.run("changes"); !strings.Contains(out, "nothing is withheld") {
		t.Errorf("scan recorded withheld definitions:\n%s", out)
	}

	if out, errOut, code := e.run("scan", "plain"); code != 0 || !strings.Contains(out, "1 server(s) scanned: nothing would be withheld") {
		t.Errorf("scan of an honest server: %d\n%s%s", code, out, errOut)
	}
}
