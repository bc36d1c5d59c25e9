package main

import "testing"

// A judge elsewhere than this machine, or a model with no endpoint, is
// refused in one line before anything starts: the texts judged carry the
// user's data.
func TestAJudgeMustBeLocal(t *testing.T) {
	e := newEnv(t, "version: 1\nservers: []\n")
	_, errOut, code := e.run("gateway", "--stdio", "--server", "notes", "--judge", "http://10.1.2.3:11434/v1", "--judge-model", "m")
	oneLineError(t, errOut, code, "is not on this machine")
	_, errOut, code = e.run("scan", "notes", "--judge-model", "m")
	oneLineError(t, errOut, code, "--judge-model needs --judge")
}
