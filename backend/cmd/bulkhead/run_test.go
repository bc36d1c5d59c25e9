package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

func TestRunServesMCPToARealClient(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("wellbehaved", img, ""))
	cs, cmd, stderr := e.connect("wellbehaved")
	ctx := context.Background()

	init := cs.InitializeResult()
	if init.ServerInfo.Name != "wellbehaved" || init.ProtocolVersion == "" {
		t.Errorf("initialize result: %+v", init)
	}
	if names := testenv.ToolNames(t, cs); !slices.Equal(names, []string{"add", "echo", "env", "whoami"}) {
		t.Errorf("tools/list = %v", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "through the sandbox"}})
	if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "echo: through the sandbox" {
		t.Fatalf("tools/call echo: %+v, %v", res, err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 40, "b": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if sum := res.StructuredContent.(map[string]any)["sum"]; sum != float64(42) {
		t.Errorf("tools/call add: structured %+v", res.StructuredContent)
	}

	if running := e.containers(cli); len(running) != 1 {
		t.Errorf("want one sandbox while the session is open, got %v", running)
	}
	ps, _, _ := e.run("ps")
	if !strings.Contains(ps, "wellbehaved") || !strings.Contains(ps, "running") {
		t.Errorf("ps while running:\n%s", ps)
	}

	if err := cs.Close(); err != nil {
		t.Errorf("closing the session: %v (stderr %q)", err, stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("bulkhead run exited %d after the client closed; stderr %q", code, stderr.String())
	}
	e.requireNoContainers(cli)

	logs, _, code := e.run("logs", "wellbehaved")
	if code != 0 || !strings.Contains(logs, "wellbehaved: serving MCP on stdio") {
		t.Errorf("logs (%d): %q", code, logs)
	}
	pins, _, _ := e.run("image", "ls")
	if !strings.Contains(pins, img) || !strings.Contains(pins, "first use") {
		t.Errorf("image pin not recorded on first use:\n%s", pins)
	}
}

func TestBadInputIsOneLineAndLeavesNothing(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "wellbehaved")
	cases := []struct {
		name, catalog, server, want string
		extraEnv                    []string
	}{
		{"unknown field", entryYAML("s", img, "    permisions: {}\n"), "s", `catalog.yaml:5: unknown field "permisions" in a server entry`, nil},
		{"not YAML", "version: 1\nservers: [\n", "s", "catalog.yaml:2: did not find expected node content", nil},
		{"unknown server", entryYAML("s", img, ""), "t", `no server "t" in the catalog`, nil},
		{"missing engine", entryYAML("s", img, ""), "s", "cannot reach the Docker Engine at unix:///nonexistent/docker.sock", []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}},
		{"missing image", entryYAML("s", "127.0.0.1:1/bulkhead-test/absent:1", ""), "s", "image 127.0.0.1:1/bulkhead-test/absent:1 is not on this engine and pulling it failed", nil},
		{"crashing server", entryYAML("s", img, "    args: [--crash]\n"), "s", `server "s" exited with code 3: fatal: no configuration found at /config/server.toml`, nil},
		{"ssh keys mount", entryYAML("s", img, "    permissions:\n      mounts: [{host: ~/.ssh, container: /keys}]\n"), "s", "is refused: it is SSH keys", nil},
		{"docker socket mount", entryYAML("s", img, "    permissions:\n      mounts: [{host: /var/run/docker.sock, container: /sock}]\n"), "s", "the Docker socket", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.catalog)
			e.extra = c.extraEnv
			if c.name == "ssh keys mount" {
				if err := os.MkdirAll(e.userDir+"/.ssh", 0o700); err != nil {
					t.Fatal(err)
				}
			}
			_, stderr, code := e.run("run", c.server)
			oneLineError(t, stderr, code, c.want)
			e.requireNoContainers(cli)
		})
	}
}

func TestMovedTagIsBlockedUntilApproved(t *testing.T) {
	cli := testenv.RequireEngine(t)
	tag := "bulkhead-test/moving:" + filepath.Base(t.TempDir()) // a tag of this run's own: another run may move its own
	testenv.ServerImage(t, cli, "wellbehaved", testenv.Tag(tag))
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	e := newEnv(t, entryYAML("mover", tag, ""))

	cs, _, _ := e.connect("mover")
	cs.Close()

	// The tag now points at a different image: the rug pull.
	testenv.ServerImage(t, cli, "hostile", testenv.Tag(tag))
	_, stderr, code := e.run("run", "mover")
	oneLineError(t, stderr, code, `server "mover" is blocked: `+tag+" now resolves to image sha256:")
	e.requireNoContainers(cli)
	m := regexp.MustCompile("`bulkhead image approve mover (sha256:[0-9a-f]{64})`").FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("the refusal does not say how to approve: %q", stderr)
	}

	_, stderr, code = e.run("image", "approve", "mover", "sha256:"+strings.Repeat("0", 64))
	oneLineError(t, stderr, code, "nothing approved")
	if _, stderr, code = e.run("run", "mover"); code == 0 || !strings.Contains(stderr, "is blocked") {
		t.Fatalf("a wrong approval unblocked the server: %q", stderr)
	}

	out, stderr, code := e.run("image", "approve", "mover", m[1])
	if code != 0 || !strings.Contains(out, "approved "+m[1]) {
		t.Fatalf("approve: %q %q", out, stderr)
	}
	cs, _, _ = e.connect("mover")
	if _, err := cs.ListTools(context.Background(), nil); err != nil {
		t.Errorf("approved server does not answer: %v", err)
	}
	cs.Close()
}

func TestTagRePushedInARegistryIsBlocked(t *testing.T) {
	cli := testenv.RequireEngine(t)
	reg := testenv.NewRegistry(t)
	ref, _ := reg.Push(t, "bulkhead-test/remote", "latest", "wellbehaved")
	t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })
	e := newEnv(t, entryYAML("remote", ref, ""))

	cs, _, stderr := e.connect("remote", "--pull", "always")
	if names := testenv.ToolNames(t, cs); len(names) != 4 {
		t.Errorf("first launch: tools %v", names)
	}
	cs.Close()
	if !strings.Contains(stderr.String(), "bulkhead: pulling "+ref) {
		t.Errorf("no pull progress on stderr: %q", stderr.String())
	}

	reg.Push(t, "bulkhead-test/remote", "latest", "hostile")
	_, errOut, code := e.run("run", "remote", "--pull", "always")
	oneLineError(t, errOut, code, `server "remote" is blocked: `+ref+" now resolves to image sha256:")
	e.requireNoContainers(cli)
}

func TestKilledRunIsReapedByTheNextOne(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "hostile")
	// A server that ignores its input, so only the reaper can end it.
	e := newEnv(t, entryYAML("stubborn", img, "    args: [sleep, \"600\"]\n")+"  - name: other\n    image: "+img+"\n    args: [sleep, \"600\"]\n")
	first := e.command("run", "stubborn")
	stdin, _ := first.StdinPipe()
	defer stdin.Close()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the first sandbox", func() bool { return len(e.containers(cli)) == 1 })
	orphan := e.containers(cli)[0]
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	if left := e.containers(cli); len(left) != 1 {
		t.Fatalf("after SIGKILL: %v", left)
	}

	second := e.command("run", "other")
	second.Stdin = strings.NewReader("") // ends at once, after reaping
	out, _ := second.CombinedOutput()
	if !strings.Contains(string(out), "removed 1 container(s) left by an earlier run") {
		t.Errorf("second run did not reap: %q", out)
	}
	if slices.Contains(e.containers(cli), orphan) {
		t.Errorf("orphan %s survived", orphan)
	}
	e.requireNoContainers(cli)
}

func TestSignalsAndStopEndTheSandbox(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("wellbehaved", img, ""))

	t.Run("SIGTERM", func(t *testing.T) {
		cs, cmd, stderr := e.connect("wellbehaved")
		if _, err := cs.ListTools(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cs.Wait() }()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			t.Fatal("bulkhead run ignored SIGTERM")
		}
		cs.Close()
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit %d after SIGTERM; stderr %q", code, stderr.String())
		}
		e.requireNoContainers(cli)
	})

	t.Run("bulkhead stop", func(t *testing.T) {
		cs, cmd, stderr := e.connect("wellbehaved")
		defer cs.Close()
		out, _, code := e.run("stop", "wellbehaved")
		if code != 0 || !strings.Contains(out, "stopped 1 sandbox(es) of wellbehaved") {
			t.Fatalf("stop: %d %q", code, out)
		}
		testenv.WaitFor(t, "bulkhead run to end", func() bool { return cs.Wait() != nil || cmd.ProcessState != nil })
		e.requireNoContainers(cli)
		_, errOut, code := e.run("stop", "wellbehaved")
		oneLineError(t, errOut, code, `server "wellbehaved" is not running`)
		_ = stderr
	})
}

func TestCatalogLs(t *testing.T) {
	e := newEnv(t, entryYAML("mine", "me/mine:2", "    publisher: Me\n    permissions:\n      mounts: [{host: ~/work, container: /w, write: true}]\n"))
	out, _, code := e.run("catalog", "ls")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"time", "mcp/time:latest", "built-in (verified)", "mine", "me/mine:2", "~/work:rw", "catalog.yaml:3 (unverified)", "api.github.com:443"} {
		if !strings.Contains(out, want) {
			t.Errorf("catalog ls lacks %q:\n%s", want, out)
		}
	}
	js, _, _ := e.run("catalog", "ls", "--json")
	var entries []struct {
		Name        string
		Permissions struct{ Network any }
		Source      struct{ Builtin bool }
	}
	if err := json.Unmarshal([]byte(js), &entries); err != nil || len(entries) < 2 {
		t.Fatalf("--json: %v\n%s", err, js)
	}
	last := entries[len(entries)-1]
	if last.Name != "mine" || last.Source.Builtin || last.Permissions.Network != "none" {
		t.Errorf("json entry = %+v", last)
	}
}

func TestDoctor(t *testing.T) {
	testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("s", "a/b", ""))
	out, stderr, code := e.run("doctor")
	if code != 0 || !strings.Contains(out, "all checks passed") || strings.Contains(out, "FAIL") {
		t.Errorf("doctor on a good set-up (%d):\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, "integrity checked") {
		t.Errorf("doctor did not check the state database:\n%s", out)
	}
	if !strings.Contains(out, "ok    no administrator policy (none at /etc/bulkhead/policy.yaml)") {
		t.Errorf("doctor did not say where the administrator policy would be:\n%s", out)
	}
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policy, []byte("tools: [{server: s, action: deny}]\n"), 0o644)
	e.extra = []string{"BULKHEAD_POLICY=" + policy}
	if out, _, code := e.run("doctor"); code != 0 || !strings.Contains(out, "ok    administrator policy "+policy+": 1 tool rule(s), images from any source") {
		t.Errorf("doctor with an administrator policy (%d):\n%s", code, out)
	}
	os.Chmod(policy, 0o666)
	if out, _, code := e.run("doctor"); code == 0 || !strings.Contains(out, "FAIL  administrator policy "+policy+": ") {
		t.Errorf("doctor with a policy anyone can write (%d):\n%s", code, out)
	}
	e.extra = nil
	db := filepath.Join(e.home, "bulkhead.db")
	if f, err := os.OpenFile(db, os.O_WRONLY, 0); err == nil {
		f.WriteAt(bytes.Repeat([]byte{0xA5}, 8192), 4096) // pages of the schema
		f.Close()
	}
	if out, _, code := e.run("doctor"); code == 0 || !strings.Contains(out, "FAIL  state database") {
		t.Errorf("doctor on a damaged state database (%d):\n%s", code, out)
	}
	os.Remove(db)

	e.extra = []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}
	out, stderr, code = e.run("doctor")
	if code == 0 || !strings.Contains(out, "FAIL  cannot reach the Docker Engine") {
		t.Errorf("doctor without an engine (%d):\n%s", code, out)
	}
	oneLineError(t, stderr, code, "1 problem(s) found")
}

// TestChangedLaunchSpecIsBlockedUntilApproved edits a server's entry after
// its first launch, widening it with a mount: the server is blocked with
// the fields that changed, and runs again once that version is approved;
// then widens it with a network grant, blocked the same way.
func TestChangedLaunchSpecIsBlockedUntilApproved(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("wb", img, ""))
	cs, _, _ := e.connect("wb")
	cs.Close()

	shared := t.TempDir()
	os.WriteFile(e.catalog, []byte(entryYAML("wb", img, "    env: {GREETING: hi}\n    permissions:\n      mounts:\n        - {host: "+shared+", container: /data}\n")), 0o600)
	_, stderr, code := e.run("run", "wb")
	oneLineError(t, stderr, code, `server "wb" is blocked: its launch spec changed since it was approved (env.GREETING, mounts[0].container, mounts[0].host, mounts[0].write)`)
	e.requireNoContainers(cli)

	out, _, _ := e.run("changes", "diff", "wb", "spec", "--kind", "launch")
	m := regexp.MustCompile(`bulkhead changes approve wb spec ([0-9a-f]{64}) --kind launch`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "  + \""+shared+"\"") {
		t.Fatalf("diff of the launch spec:\n%s", out)
	}
	if out, stderr, code := e.run("changes", "approve", "wb", "spec", m[1], "--kind", "launch"); code != 0 {
		t.Fatalf("approve: %s %s", out, stderr)
	}
	cs, _, _ = e.connect("wb")
	if _, err := cs.ListTools(context.Background(), nil); err != nil {
		t.Errorf("approved server does not answer: %v", err)
	}
	cs.Close()

	// A network grant widens it again: blocked before any proxy starts.
	os.WriteFile(e.catalog, []byte(entryYAML("wb", img, "    env: {GREETING: hi}\n    permissions:\n      network: [api.example.com:443]\n      mounts:\n        - {host: "+shared+", container: /data}\n")), 0o600)
	_, stderr, code = e.run("run", "wb")
	oneLineError(t, stderr, code, `server "wb" is blocked: its launch spec changed since it was approved (network, network[0])`)
	e.requireNoContainers(cli)
}
