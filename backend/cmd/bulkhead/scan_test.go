package main

import (
	"os"
	"path/filepath"
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
		"  - name: memroy\n    image: "+wb+"\n"+
		"  - name: gone\n    image: bulkhead-test/not-built:1\n")
	out, errOut, code := e.run("scan", "--pull", "never")
	t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	for _, want := range []string{
		"feat (" + feat + ", ",
		"tool helper: would be withheld",
		"hidden-markup [high] description:",
		"sensitive-file [high] description:",
		"memroy (" + wb + ", ",
		`warning: name of "memroy" looks like verified server "memory": "memroy" is 1 character(s) from "memory"`,
		"it runs only once you confirm it is the server you mean: bulkhead confirm memroy",
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
	if out, _, _ := e.run("image", "ls"); strings.Contains(out, "feat") || strings.Contains(out, "memroy") {
		t.Errorf("scan pinned an image:\n%s", out)
	}
	if out, _, _ := e.run("changes"); !strings.Contains(out, "nothing is withheld") {
		t.Errorf("scan recorded withheld definitions:\n%s", out)
	}

	// --explain says, under each finding, what fired and where.
	out, _, _ = e.run("scan", "--pull", "never", "--explain", "feat")
	for _, want := range []string{"caused by phrase rule sensitive-file: ", "span: bytes ", " of description"} {
		if !strings.Contains(out, want) {
			t.Errorf("scan --explain lacks %q:\n%s", want, out)
		}
	}

	if out, errOut, code := e.run("scan", "memroy"); code != 0 || !strings.Contains(out, "1 server(s) scanned: nothing would be withheld") {
		t.Errorf("scan of an honest server: %d\n%s%s", code, out, errOut)
	}
}

// TestAdministratorAllowListRefusesOtherImages: with an administrator's
// allow-list that names another registry, a test image is refused before
// anything runs; once its namespace is allowed, it starts.
func TestAdministratorAllowListRefusesOtherImages(t *testing.T) {
	cli := testenv.RequireEngine(t)
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("plain", wb, ""))
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	e.extra = append(e.extra, "BULKHEAD_POLICY="+policy)

	os.WriteFile(policy, []byte("images:\n  allow: [registry.example.com/*]\n"), 0o644)
	_, errOut, code := e.run("scan", "plain")
	if !strings.Contains(errOut, "0 definition(s) would be withheld and 1 server(s) could not be scanned") {
		t.Errorf("scan under a refusing allow-list: %d %s", code, errOut)
	}
	out, errOut, code := e.run("run", "plain")
	oneLineError(t, errOut, code, "which the administrator's allow-list does not include (registry.example.com/*)")
	if out != "" {
		t.Errorf("stdout: %q", out)
	}
	e.requireNoContainers(cli)

	os.WriteFile(policy, []byte("images:\n  allow: [docker.io/bulkhead-test/*]\n"), 0o644)
	if out, errOut, code := e.run("scan", "plain"); code != 0 {
		t.Errorf("scan under an allow-list naming the image's namespace: %d\n%s%s", code, out, errOut)
	}

	os.WriteFile(policy, []byte("images:\n  alow: [x]\n"), 0o644)
	_, errOut, code = e.run("scan", "plain")
	oneLineError(t, errOut, code, "administrator policy "+policy+": ")

	// A policy others could have changed is refused, and nothing runs
	// without it.
	os.WriteFile(policy, []byte("images:\n  allow: [docker.io/bulkhead-test/*]\n"), 0o644)
	os.Chmod(policy, 0o666)
	out, errOut, code = e.run("run", "plain")
	oneLineError(t, errOut, code, "administrator policy "+policy+": "+policy+" can be changed by users other than its owner")
	if out != "" {
		t.Errorf("stdout: %q", out)
	}
	e.requireNoContainers(cli)
}
