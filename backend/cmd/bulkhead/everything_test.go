package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// everythingTools are what npm's reference server lists to a client with
// roots, sampling and form elicitation, as the gateway's is (its tools for
// tasks and URL elicitation need more): all honest, so none may be withheld.
var everythingTools = []string{
	"echo", "get-annotated-message", "get-env", "get-resource-links", "get-resource-reference",
	"get-roots-list", "get-structured-content", "get-sum", "get-tiny-image", "gzip-file-as-resource",
	"simulate-research-query", "toggle-simulated-logging", "toggle-subscriber-updates",
	"trigger-elicitation-request", "trigger-long-running-operation", "trigger-sampling-request",
}

// TestEverythingServerOverStdio serves npm's reference server, Node in a
// FROM-scratch image, over stdio through `bulkhead gateway --stdio`.
func TestEverythingServerOverStdio(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.NodeServerImage(t, cli, "everything", "stdio")
	everythingThroughTheGateway(t, cli, newEnv(t, entryYAML("ev", img, "")), 1)
}

// TestEverythingServerOverHTTP serves it speaking streamable HTTP in its
// container, behind its relay.
func TestEverythingServerOverHTTP(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.NodeServerImage(t, cli, "everything", "streamableHttp")
	everythingThroughTheGateway(t, cli, newEnv(t, entryYAML("ev", img, "    transport: http\n    http: {port: 3001}\n")), 2)
}

// everythingThroughTheGateway checks every tool is listed and nothing is
// withheld, calls two with arguments and one without, and that the
// containers (the server, and its relay over HTTP) are gone at the end.
func everythingThroughTheGateway(t *testing.T, cli *client.Client, e *env, containers int) {
	e.allow("ev")
	cs, cmd, stderr := e.connectGateway(testenv.NewObserverClient(), "ev")
	defer func() {
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", stderr.String())
		}
	}()
	names := testenv.ToolNames(t, cs)
	for _, tool := range everythingTools {
		if !slices.Contains(names, "ev__"+tool) {
			t.Errorf("tools/list lacks ev__%s: %v", tool, names)
		}
	}
	if out, errOut, _ := e.run("changes"); out != "nothing is withheld\n" {
		t.Errorf("bulkhead changes: want nothing withheld, got:\n%s%s", out, errOut)
	}
	if got := testenv.Text(testenv.Call(t, cs, "ev__echo", map[string]any{"message": "through the gateway"})); got != "Echo: through the gateway" {
		t.Errorf("ev__echo: %q", got)
	}
	if got := testenv.Text(testenv.Call(t, cs, "ev__get-sum", map[string]any{"a": 2, "b": 3})); got != "The sum of 2 and 3 is 5." {
		t.Errorf("ev__get-sum: %q", got)
	}
	var environ map[string]string
	if got := testenv.Text(testenv.Call(t, cs, "ev__get-env", nil)); json.Unmarshal([]byte(got), &environ) != nil || environ["HOME"] != "/tmp" {
		t.Errorf("ev__get-env: want the sandbox's environment (HOME=/tmp), got %q", got)
	}
	if n := len(e.containers(cli)); n != containers {
		t.Errorf("want %d containers, got %d", containers, n)
	}
	cs.Close()
	cmd.Wait()
	e.requireNoContainers(cli)
	if nets := e.networks(cli); len(nets) != 0 {
		t.Errorf("networks left behind: %v", nets)
	}
}
