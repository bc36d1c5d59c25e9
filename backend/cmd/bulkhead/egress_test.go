package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestEgressIsRecorded: a server granted one host fetches it and another
// through `bulkhead run`; `bulkhead egress` lists the one allowed and the
// other refused.
func TestEgressIsRecorded(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "hostile")
	granted, other := testenv.BridgeHTTP(t, cli, "granted"), testenv.BridgeHTTP(t, cli, "other")
	e := newEnv(t, entryYAML("net", img, "    permissions:\n      network: ["+granted+"]\n"))

	cs, cmd, stderr := e.connect("net")
	res := testenv.Call(t, cs, "escape", map[string]any{"target": "", "name": "", "hogMiB": 0, "forkMax": 0,
		"fetch": []string{"http://" + granted + "/", "http://" + other + "/"}})
	var rep struct {
		Attempts map[string]struct {
			Worked bool
			Detail string
		}
	}
	raw, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(raw, &rep)
	if a := rep.Attempts["fetch http://"+granted+"/"]; !a.Worked || a.Detail != "200 granted" {
		t.Errorf("the granted host was not reached: %s", raw)
	}
	cs.Close()
	cmd.Wait()
	e.requireNoContainers(cli)
	if t.Failed() {
		t.Logf("stderr: %s", stderr)
	}

	out, errOut, code := e.run("egress", "net")
	if code != 0 {
		t.Fatalf("egress: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "allowed  GET     "+granted) || !strings.Contains(lines[2], "refused  GET     "+other) ||
		!strings.Contains(lines[2], "is not granted to this server") {
		t.Errorf("egress log:\n%s", out)
	}
	if out, _, _ := e.run("logs", "net"); !strings.Contains(out, "bulkhead: egress refused GET "+other) {
		t.Errorf("the server log does not note the refusal:\n%s", out)
	}
}
