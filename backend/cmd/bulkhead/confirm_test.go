package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestLookalikeRunsOnlyOnceConfirmed: a user entry named one character from
// the verified "memory" is refused by enable, run and the gateway, before
// any image is looked for; once confirmed, it is enabled and serves tools.
func TestLookalikeRunsOnlyOnceConfirmed(t *testing.T) {
	cli := testenv.RequireEngine(t)
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("memroy", wb, ""))

	const refusal = `server "memroy" is blocked until you confirm it: name of "memroy" looks like verified server "memory"`
	for _, args := range [][]string{{"enable", "memroy"}, {"run", "memroy", "--pull", "always"}, {"gateway", "--stdio", "--server", "memroy", "--eager"}} {
		_, errOut, code := e.run(args...)
		if args[0] == "gateway" { // the gateway reports a server that cannot start and serves the rest
			if !strings.Contains(errOut, "is blocked until you confirm it") || !strings.Contains(errOut, "bulkhead confirm memroy") {
				t.Errorf("%v: stderr lacks the refusal:\n%s", args, errOut)
			}
			continue
		}
		oneLineError(t, errOut, code, refusal+`: "memroy" is 1 character(s) from "memory"; if it is the server you mean, run `+"`bulkhead confirm memroy`")
	}
	if out, _, _ := e.run("image", "ls"); strings.Contains(out, "memroy") {
		t.Errorf("an unconfirmed look-alike's image was pinned:\n%s", out)
	}
	e.requireNoContainers(cli)

	out, errOut, code := e.run("confirm", "memroy")
	if code != 0 || !strings.Contains(out, `warning: name of "memroy" looks like verified server "memory"`) || !strings.Contains(out, "confirmed memroy") {
		t.Fatalf("confirm: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := e.run("enable", "memroy"); code != 0 || out != "enabled memroy\n" {
		t.Errorf("enable after confirming: %d %q %s", code, out, errOut)
	}
	cs, cmd, stderr := e.connect("memroy", "--pull", "never")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) == 0 {
		t.Errorf("confirmed look-alike lists no tools: %v %v", tools, err)
	}
	cs.Close()
	cmd.Wait()
	if t.Failed() {
		t.Logf("stderr of run: %s", stderr)
	}
	e.requireNoContainers(cli)

	if out, _, _ := e.run("confirm", "time"); !strings.Contains(out, "time resembles no verified server: nothing to confirm") {
		t.Errorf("confirm of a verified server: %q", out)
	}
}
