//go:build faults

package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// TestServersComeBackAfterAnEngineRestart stops the Docker Engine under a
// gateway running three servers (two on stdio, one speaking HTTP behind its
// relay on its own network), as an engine update or a Docker Desktop
// restart does: the call in flight fails naming its server, calls while
// the engine is away fail at once saying why, and once it is back every
// server returns by itself with the tools a person approved, nothing
// withheld and no dead container or network left. It stops the engine
// every other test needs, so it builds only with -tags faults (`make faults`).
func TestServersComeBackAfterAnEngineRestart(t *testing.T) {
	cli := testenv.RequireEngine(t)
	feat := testenv.ServerImage(t, cli, "featureful")
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("feat", feat, "")+"  - name: wb\n    image: "+wb+"\n"+
		"  - name: web\n    image: "+feat+"\n    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n")
	e.allow("feat", "wb", "web")
	const containers = 4 // feat, wb, web and web's relay
	cmd := e.command("gateway", "--stdio", "--eager", "--server", "feat", "--server", "wb", "--server", "web")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	ctx := context.Background()
	cs, err := testenv.NewObserverClient().Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 30 * time.Second}, nil)
	if err != nil {
		t.Fatalf("connect to the gateway: %v; stderr: %s", err, stderr.String())
	}
	defer func() {
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", stderr.String())
		}
	}()
	testenv.WaitFor(t, "every server running", func() bool { return len(e.running(cli)) == containers })
	tools := testenv.ToolNames(t, cs)
	for _, name := range []string{"feat__echo", "wb__echo", "web__echo"} {
		if !slices.Contains(tools, name) {
			t.Fatalf("%s is not offered before the restart: %v", name, tools)
		}
	}
	before := e.running(cli)

	inflight := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__slow", Arguments: map[string]any{"steps": 600, "delayMs": 100, "label": "doomed"}})
		inflight <- err
	}()
	time.Sleep(500 * time.Millisecond)

	stopEngine(t)
	select {
	case err := <-inflight:
		if err == nil || !strings.Contains(err.Error(), `server "feat"`) {
			t.Errorf("in-flight call: want an error naming the server, got %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the in-flight call never ended after the engine stopped")
	}
	callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = cs.CallTool(callCtx, &mcp.CallToolParams{Name: "wb__echo", Arguments: map[string]any{"text": "down"}})
	cancel()
	if err == nil || !strings.Contains(err.Error(), `"wb"`) || !strings.Contains(strings.ToLower(err.Error()), "docker") {
		t.Errorf("a call while the engine is away: want an error naming the server and the engine, got %v", err)
	}

	startEngine(t)
	deadline := time.Now().Add(90 * time.Second)
	for len(e.running(cli)) < containers && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	after := e.running(cli)
	if len(after) != containers {
		t.Fatalf("the servers did not come back by themselves within 90s of the engine: running %v", after)
	}
	for _, id := range after {
		if slices.Contains(before, id) {
			t.Errorf("container %s survived the engine restart; want fresh ones", id)
		}
	}
	for _, name := range []string{"feat", "wb", "web"} {
		if got := testenv.Text(testenv.Call(t, cs, name+"__echo", map[string]any{"text": "back"})); got != "echo: back" {
			t.Errorf("%s after the restart: %q", name, got)
		}
	}
	if now := testenv.ToolNames(t, cs); !slices.Equal(now, tools) {
		t.Errorf("tools after the restart differ (withheld or lost):\n%v\nwant\n%v", now, tools)
	}
	// What the engine could not remove while away goes once it is back.
	deadline = time.Now().Add(time.Minute)
	for (len(e.containers(cli)) != containers || len(e.networks(cli)) != 1) && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	if all := e.containers(cli); len(all) != containers {
		t.Errorf("want only the running servers and relay, got %v", all)
	}
	if nets := e.networks(cli); len(nets) != 1 {
		t.Errorf("want web's one network, got %v", nets)
	}

	cs.Close()
	cmd.Wait()
	e.requireNoContainers(cli)
	if nets := e.networks(cli); len(nets) != 0 {
		t.Errorf("networks left behind: %v", nets)
	}
}

// running lists the IDs of this home's running containers.
func (e *env) running(cli *client.Client) []string {
	e.t.Helper()
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
		Filters: client.Filters{}.Add("label", sandbox.LabelHome+"="+sandbox.HomeID(e.home)),
	})
	if err != nil {
		return nil // the engine is away
	}
	var ids []string
	for _, c := range res.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

// stopEngine stops the engine; the test's end brings it back whatever
// happens, so a failure here leaves no stopped engine behind.
func stopEngine(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { script(t, "ensure-docker") })
	script(t, "stop-docker")
}

func startEngine(t *testing.T) { t.Helper(); script(t, "ensure-docker") }

func script(t *testing.T, name string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "scripts", name)).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/%s: %v\n%s", name, err, out)
	}
}

// TestTheWebUIFollowsAnEngineRestart watches the catalog in the browser,
// served by `bulkhead serve`, while the engine stops and starts: the page
// warns that what it shows was loaded before the engine went away, the API
// answers 503, and once the engine is back the server runs again and the
// warning goes, without the person reloading anything.
func TestTheWebUIFollowsAnEngineRestart(t *testing.T) {
	cli := testenv.RequireEngine(t)
	requireBrowser(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	if _, errOut, code := e.run("enable", "wb"); code != 0 {
		t.Fatalf("enable wb: %s", errOut)
	}
	s := e.startServe(t, "--addr", ":0")
	ready := filepath.Join(t.TempDir(), "ready")
	step := []string{"outage", "wb", ready}
	browser := driveCommand(s.url+"/#token="+s.apiToken, step...)
	var out, stderr strings.Builder
	browser.Stdout, browser.Stderr = &out, &stderr
	if err := browser.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- browser.Wait() }()
	defer browser.Process.Kill()
	deadline := time.Now().Add(2 * time.Minute)
	for !exists(ready) {
		select {
		case err := <-done:
			t.Fatalf("the browser ended before the server ran: %v\n%s", err, stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never showed wb running\n%s", stderr.String())
		}
	}

	stopEngine(t)
	if code := s.do(t, s.apiToken, "GET", "/api/servers", nil, nil); code != 503 {
		t.Errorf("GET /api/servers with the engine away: %d, want 503", code)
	}
	startEngine(t)
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatalf("the browser step never ended\n%s", stderr.String())
	}
	seen := driven(t, step, []byte(out.String()), err, stderr.String())
	if away, _ := seen["away"].(string); !strings.Contains(away, "Docker Engine") {
		t.Errorf("the page's warning with the engine away: %q", away)
	}
	if seen["state"] != "running" {
		t.Errorf("the page after the restart: %v", seen)
	}
	if st := s.status(t, "wb"); st.State != "running" {
		t.Errorf("the API after the restart: %+v", st)
	}
}
