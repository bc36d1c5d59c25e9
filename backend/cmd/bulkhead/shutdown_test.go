package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// shutdownEnv serves four servers, each with a different way of ending:
// wb alone in its container, net with an egress proxy on its own network,
// stubborn (also granted network) ignoring both the end of its input and
// SIGTERM, and web speaking HTTP behind a relay.
func shutdownEnv(t *testing.T) (*env, *client.Client) {
	cli := testenv.RequireEngine(t)
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	hostile := testenv.ServerImage(t, cli, "hostile")
	feat := testenv.ServerImage(t, cli, "featureful")
	grant := "    permissions:\n      network: [example.com:443]\n"
	e := newEnv(t, entryYAML("wb", wb, "")+
		"  - name: net\n    image: "+wb+"\n"+grant+
		"  - name: stubborn\n    image: "+hostile+"\n    args: [--stubborn]\n"+grant+
		"  - name: web\n    image: "+feat+"\n    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n")
	t.Cleanup(func() { removeLeftovers(cli, e) })
	return e, cli
}

var shutdownServers = []string{"wb", "net", "stubborn", "web"}

// allContainers is what shutdownEnv's servers run in: a container each,
// a proxy for each granted network and a relay for web.
const allContainers = 7

// gatewayArgs serves every shutdownEnv server at once over transport.
func gatewayArgs(transport ...string) []string {
	args := append([]string{"gateway", "--eager"}, transport...)
	for _, s := range shutdownServers {
		args = append(args, "--server", s)
	}
	return args
}

// TestSignalEndsTheGatewayAndLeavesNothing sends SIGTERM, twice, to
// `bulkhead gateway --stdio` whose client keeps stdin open, as clients do,
// while a call waits for a person and a server ignores its input ending
// and SIGTERM: the gateway exits, by the bounded path, the held call is
// settled, and no container or network is left.
func TestSignalEndsTheGatewayAndLeavesNothing(t *testing.T) {
	e, cli := shutdownEnv(t)
	cmd := e.command(gatewayArgs("--stdio")...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := startLogged(t, cmd)
	defer stdin.Close() // only once the gateway is gone
	cs, err := testenv.NewObserverClient().Connect(context.Background(), &mcp.IOTransport{Reader: stdout, Writer: stdin}, nil)
	if err != nil {
		t.Fatalf("connect: %v; stderr: %s", err, stderr)
	}
	names := testenv.ToolNames(t, cs) // lists once every server has started
	for _, want := range []string{"wb__echo", "net__echo", "stubborn__escape", "web__echo"} {
		if !slices.Contains(names, want) {
			t.Fatalf("tools/list lacks %s: %v; stderr: %s", want, names, stderr)
		}
	}
	if n := len(e.containers(cli)); n != allContainers {
		t.Fatalf("%d containers running, want %d", n, allContainers)
	}
	go cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "wb__echo", Arguments: map[string]any{"text": "held"}})
	held := e.waitHeld(t, "held")

	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	// Again while it shuts down (once a server has gone), as impatient
	// clients do.
	for deadline := time.Now().Add(30 * time.Second); len(e.containers(cli)) == allContainers && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd, stderr)
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	requireNothingLeft(t, e, cli)
	requireBoundedShutdown(t, stderr.String())
	if got := e.approval(t, held.ID); got.Decision != store.Abandoned {
		t.Errorf("the held call is %+v, want it abandoned", got)
	}
}

// TestSignalEndsEveryCommandAndLeavesNothing: `gateway --http` with a
// client's stream open, `serve` and `run` end at SIGTERM by the bounded
// path, leaving nothing, with a server that ignores its input and SIGTERM.
func TestSignalEndsEveryCommandAndLeavesNothing(t *testing.T) {
	e, cli := shutdownEnv(t)
	e.allow(shutdownServers...)
	t.Run("gateway --http", func(t *testing.T) {
		cmd := e.command(gatewayArgs("--http", ":0")...)
		stderr := startLogged(t, cmd)
		cs := e.connectHTTP(t, stderr)
		defer cs.Close()
		signalAndCheck(t, e, cli, cmd, stderr)
	})
	t.Run("serve", func(t *testing.T) {
		e.decide(t, append([]string{"enable"}, shutdownServers...)...)
		cmd := e.command("serve", "--addr", ":0")
		stderr := startLogged(t, cmd)
		cs := e.connectHTTP(t, stderr)
		defer cs.Close()
		signalAndCheck(t, e, cli, cmd, stderr)
	})
	t.Run("run", func(t *testing.T) {
		cmd := e.command("run", "stubborn")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		defer stdin.Close() // kept open, as a client would
		stderr := startLogged(t, cmd)
		cs, err := testenv.NewObserverClient().Connect(context.Background(), &mcp.IOTransport{Reader: stdout, Writer: stdin}, nil)
		if err != nil {
			t.Fatalf("connect: %v; stderr: %s", err, stderr)
		}
		if names := testenv.ToolNames(t, cs); !slices.Contains(names, "escape") {
			t.Fatalf("stubborn's tools: %v", names)
		}
		signalAndCheck(t, e, cli, cmd, stderr)
	})
}

// connectHTTP connects to the gateway a command says it serves, once it
// says so, and waits until every server of shutdownEnv runs and answers.
func (e *env) connectHTTP(t *testing.T, stderr *lockedBuffer) *mcp.ClientSession {
	t.Helper()
	var url string
	testenv.WaitFor(t, "the gateway to listen", func() bool {
		m := regexp.MustCompile(`gateway at (http://\S+/mcp)`).FindStringSubmatch(stderr.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	transport := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: withToken{token: e.token("gateway.token"), next: http.DefaultTransport}}}
	cs, err := testenv.NewObserverClient().Connect(context.Background(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shutdownServers {
		tool := s + "__echo"
		if s == "stubborn" {
			tool = s + "__escape"
		}
		testenv.WaitFor(t, s+" to run", func() bool { return slices.Contains(testenv.ToolNames(t, cs), tool) })
	}
	return cs
}

// TestAClientThatDiesLeavesNothing: the client sends SIGTERM and dies,
// taking the ends of the gateway's stdin, stdout and stderr with it; what
// the gateway writes then fails, and it still removes everything.
func TestAClientThatDiesLeavesNothing(t *testing.T) {
	e, cli := shutdownEnv(t)
	cmd := e.command(gatewayArgs("--stdio")...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	go io.Copy(io.Discard, stderr)
	cs, err := testenv.NewObserverClient().Connect(context.Background(), &mcp.IOTransport{Reader: stdout, Writer: stdin}, nil)
	if err != nil {
		t.Fatal(err)
	}
	testenv.ToolNames(t, cs)
	cmd.Process.Signal(syscall.SIGTERM)
	stdout.Close()
	stderr.Close()
	stdin.Close()
	waitExit(t, cmd, &lockedBuffer{})
	requireNothingLeft(t, e, cli)
}

// TestSignalWhileServersStartLeavesNothing interrupts `gateway --stdio
// --eager` while its servers are being created and started: whenever the
// signal comes, nothing is left.
func TestSignalWhileServersStartLeavesNothing(t *testing.T) {
	e, cli := shutdownEnv(t)
	for _, after := range []time.Duration{0, 300 * time.Millisecond, 800 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second} {
		cmd := e.command(gatewayArgs("--stdio")...)
		stdin, _ := cmd.StdinPipe()
		cmd.Stdout = io.Discard
		stderr := startLogged(t, cmd)
		testenv.WaitFor(t, "the first server to be created", func() bool { return len(e.containers(cli))+len(e.networks(cli)) > 0 })
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGTERM)
		waitExit(t, cmd, stderr)
		stdin.Close()
		if left := e.containers(cli); len(left) != 0 {
			t.Fatalf("SIGTERM %s after start left %v", after, left)
		}
		if left := e.networks(cli); len(left) != 0 {
			t.Fatalf("SIGTERM %s after start left networks %v", after, left)
		}
	}
}

// signalAndCheck sends SIGTERM to cmd, which serves shutdownEnv's
// servers, and checks it exits by the bounded path and leaves nothing.
func signalAndCheck(t *testing.T, e *env, cli *client.Client, cmd *exec.Cmd, stderr *lockedBuffer) {
	t.Helper()
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd, stderr)
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	requireNothingLeft(t, e, cli)
	requireBoundedShutdown(t, stderr.String())
}

// requireBoundedShutdown checks that stderr tells a shutdown by the bounded
// path, from its start to its end.
func requireBoundedShutdown(t *testing.T, stderr string) {
	t.Helper()
	for _, want := range []string{"bulkhead: shutting down (terminated signal received): servers get 2.5s to stop, then what is left is removed\n", "bulkhead: shut down in "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "bulkhead: shut") {
			t.Log(l)
		}
	}
}

// startLogged starts cmd with its stderr collected where it can be read
// while cmd runs; cmd is killed at the test's end if it still runs.
func startLogged(t *testing.T, cmd *exec.Cmd) *lockedBuffer {
	t.Helper()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return stderr
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitExit waits, generously, for cmd to exit; one that does not is killed
// and fails the test.
func waitExit(t *testing.T, cmd *exec.Cmd, stderr *lockedBuffer) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after the signal: %v; stderr:\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 30s after the signal; stderr:\n%s", stderr)
	}
}

// requireNothingLeft checks that no container or network of the home is
// left.
func requireNothingLeft(t *testing.T, e *env, cli *client.Client) {
	t.Helper()
	e.requireNoContainers(cli)
	if nets := e.networks(cli); len(nets) != 0 {
		t.Errorf("networks left behind: %v", nets)
	}
}

// approval is the held call id, whatever its state.
func (e *env) approval(t *testing.T, id int64) store.Approval {
	t.Helper()
	out, _, _ := e.run("approvals", "--all", "--json")
	var all []store.Approval
	json.Unmarshal([]byte(out), &all)
	for _, a := range all {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no held call %d in %s", id, out)
	return store.Approval{}
}

// removeLeftovers removes what a failed test left on the shared engine.
func removeLeftovers(cli *client.Client, e *env) {
	ctx := context.Background()
	f := client.Filters{}.Add("label", sandbox.LabelHome+"="+sandbox.HomeID(e.home))
	if res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f}); err == nil {
		for _, c := range res.Items {
			cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
		}
	}
	if res, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f}); err == nil {
		for _, n := range res.Items {
			cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		}
	}
}
