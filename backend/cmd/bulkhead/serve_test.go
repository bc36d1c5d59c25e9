package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// served is a running `bulkhead serve` and the tokens of its home.
type served struct {
	e                 *env
	url               string
	apiToken, gwToken string
	http              *http.Client
}

// startServe runs `bulkhead serve` with args until the test ends.
func (e *env) startServe(t *testing.T, args ...string) *served {
	t.Helper()
	cmd := e.command(append([]string{"serve"}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	})
	lines := bufio.NewScanner(stderr)
	s := &served{e: e, http: &http.Client{}}
	var said []string
	for s.url == "" && lines.Scan() {
		said = append(said, lines.Text())
		if m := regexp.MustCompile(`web UI and API at (\S+) `).FindStringSubmatch(lines.Text()); m != nil {
			s.url = m[1]
		}
	}
	if s.url == "" {
		t.Fatalf("serve never said where it listens: %s", strings.Join(said, "\n"))
	}
	go io.Copy(io.Discard, stderr)
	if path, ok := strings.CutPrefix(s.url, "unix:"); ok {
		s.url = "http://localhost"
		s.http.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}
	}
	s.apiToken, s.gwToken = e.token("api.token"), e.token("gateway.token")
	return s
}

func (e *env) token(name string) string {
	b, err := os.ReadFile(filepath.Join(e.home, name))
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// do calls the API with a token and decodes the answer; it returns the status.
func (s *served) do(t *testing.T, token, method, path string, body, into any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

type serverStatus struct {
	Name, State string
	Enabled     bool
	Sandboxes   []struct{ State string }
}

func (s *served) status(t *testing.T, name string) serverStatus {
	t.Helper()
	var list []serverStatus
	if code := s.do(t, s.apiToken, "GET", "/api/servers", nil, &list); code != 200 {
		t.Fatalf("GET /api/servers: %d", code)
	}
	for _, st := range list {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no %s in %+v", name, list)
	return serverStatus{}
}

// TestServeStartsServersAndTakesDecisions drives `bulkhead serve` as the UI
// and an MCP client would: a server starts from the API, a client's call is
// held until a person allows it through the API (the client's own token
// cannot), another is denied, and stopping withdraws the server's tools and
// its sandbox.
func TestServeStartsServersAndTakesDecisions(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	s := e.startServe(t, "--addr", ":0")

	if st := s.status(t, "wb"); st.State != "stopped" || st.Enabled {
		t.Fatalf("a server nobody enabled: %+v", st)
	}
	cs := s.connect(t)
	if names := testenv.ToolNames(t, cs); slices.Contains(names, "wb__echo") {
		t.Fatalf("a stopped server's tools are listed: %v", names)
	}

	if code := s.do(t, s.apiToken, "POST", "/api/servers/wb/start", map[string]any{}, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	if st := s.status(t, "wb"); st.State != "running" || !st.Enabled || len(st.Sandboxes) != 1 {
		t.Fatalf("after start: %+v", st)
	}
	if names := testenv.ToolNames(t, cs); !slices.Contains(names, "wb__echo") {
		t.Fatalf("the started server's tools are not listed: %v", names)
	}

	first := callAsync(cs, "through the UI")
	id := s.waitHeld(t, "through the UI")
	decide := fmt.Sprintf("/api/approvals/%d/decision", id)
	if code := s.do(t, s.gwToken, "POST", decide, map[string]string{"decision": "allow_once"}, nil); code != http.StatusUnauthorized {
		t.Fatalf("the MCP client's token decided a call: %d", code)
	}
	notYet(t, first)
	if code := s.do(t, s.apiToken, "POST", decide, map[string]string{"decision": "allow_once"}, nil); code != 200 {
		t.Fatalf("allow: %d", code)
	}
	if a := <-first; a.err != nil || a.text != "echo: through the UI" {
		t.Fatalf("allowed call: %+v", a)
	}
	second := callAsync(cs, "other arguments")
	id = s.waitHeld(t, "other arguments")
	if code := s.do(t, s.apiToken, "POST", fmt.Sprintf("/api/approvals/%d/decision", id), map[string]string{"decision": "deny"}, nil); code != 200 {
		t.Fatalf("deny: %d", code)
	}
	if a := <-second; a.err == nil || !strings.Contains(a.err.Error(), "a person declined") {
		t.Fatalf("denied call: %+v", a)
	}
	var audit []struct{ Decision, Status string }
	s.do(t, s.apiToken, "GET", "/api/audit?server=wb", nil, &audit)
	if len(audit) != 2 || audit[0].Decision != "allow_once" || audit[0].Status != "ok" || audit[1].Decision != "deny" {
		t.Errorf("audit: %+v", audit)
	}

	if code := s.do(t, s.apiToken, "POST", "/api/servers/wb/stop", map[string]any{}, nil); code != 200 {
		t.Fatalf("stop: %d", code)
	}
	if st := s.status(t, "wb"); st.State != "stopped" || st.Enabled || len(st.Sandboxes) != 0 {
		t.Fatalf("after stop: %+v", st)
	}
	if names := testenv.ToolNames(t, cs); slices.Contains(names, "wb__echo") {
		t.Fatalf("a stopped server's tools are still listed: %v", names)
	}
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "wb__echo", Arguments: map[string]any{"text": "x"}}); err == nil {
		t.Fatal("a stopped server's tool answered")
	}
	if left := e.containers(cli); len(left) != 0 {
		t.Fatalf("stopped, yet containers remain: %v", left)
	}
}

// On a unix socket (the extension's case) the API answers with the token
// only, and the socket is the user's alone.
func TestServeOnAUnixSocket(t *testing.T) {
	testenv.RequireEngine(t)
	e := newEnv(t, "version: 1\nservers: []\n")
	sock := filepath.Join(t.TempDir(), "run", "bulkhead.sock")
	s := e.startServe(t, "--socket", sock)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v %v", fi.Mode(), err)
	}
	if code := s.do(t, s.apiToken, "GET", "/api/settings", nil, nil); code != 200 {
		t.Fatalf("with the token: %d", code)
	}
	if code := s.do(t, "wrong", "GET", "/api/settings", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", code)
	}
	_, errOut, code := e.run("serve", "--socket", sock)
	oneLineError(t, errOut, code, "another Bulkhead is serving there")
}

// connect is an MCP client of the gateway at /mcp.
func (s *served) connect(t *testing.T) *mcp.ClientSession {
	t.Helper()
	transport := &mcp.StreamableClientTransport{Endpoint: s.url + "/mcp", HTTPClient: &http.Client{Transport: withToken{token: s.gwToken, next: http.DefaultTransport}}}
	// 2025-11-25, the last revision with sessions, whose features (a held
	// call asked in the client, arguments sent as given) these tests drive.
	cs, err := testenv.NewObserverClient().Connect(context.Background(), transport, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// waitHeld waits for a pending call with this text, seen through the API.
func (s *served) waitHeld(t *testing.T, text string) int64 {
	t.Helper()
	var id int64
	testenv.WaitFor(t, "a call with "+text+" to be held", func() bool {
		var held []struct {
			ID        int64
			Arguments struct{ Text string }
		}
		s.do(t, s.apiToken, "GET", "/api/approvals", nil, &held)
		for _, h := range held {
			if h.Arguments.Text == text {
				id = h.ID
				return true
			}
		}
		return false
	})
	return id
}

// TestBridgeCarriesAClientToTheGateway is the Docker Desktop path for host
// clients: `bulkhead bridge` on stdio, carrying a real MCP client's session
// to the gateway socket of `bulkhead serve`, which serves nothing else.
func TestBridgeCarriesAClientToTheGateway(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	e.allow("wb")
	e.decide(t, "enable", "wb")
	run := filepath.Join(t.TempDir(), "run")
	sock := filepath.Join(run, "gateway.sock")
	s := e.startServe(t, "--socket", filepath.Join(t.TempDir(), "api.sock"), "--gateway-socket", sock)
	if fi, err := os.Stat(filepath.Join(run, "gateway.token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("gateway token beside the socket: %v %v", fi, err)
	}

	cmd := e.command("bridge", "--socket", sock)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cs, err := testenv.NewObserverClient().Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	defer cs.Close()
	if got := testenv.Text(testenv.Call(t, cs, "wb__echo", map[string]any{"text": "bridged"})); got != "echo: bridged" {
		t.Fatalf("wb__echo through the bridge = %q", got)
	}

	only := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	req, _ := http.NewRequest("GET", "http://localhost/api/settings", nil)
	req.Header.Set("Authorization", "Bearer "+s.apiToken)
	resp, err := only.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the gateway socket answered the API: %d", resp.StatusCode)
	}
}

// TestServeInterruptedWhileServersStartLeavesNothing stops `bulkhead serve`
// at moments when its enabled server is still starting: nothing is left
// behind, whenever the signal comes.
func TestServeInterruptedWhileServersStartLeavesNothing(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	e.decide(t, "enable", "wb")
	for _, after := range []time.Duration{0, 150 * time.Millisecond, 300 * time.Millisecond, 600 * time.Millisecond} {
		cmd := e.command("serve", "--addr", ":0")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stderr)
		for lines.Scan() && !strings.Contains(lines.Text(), "web UI and API at") {
		}
		go io.Copy(io.Discard, stderr)
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("exit after SIGTERM %s in: %v", after, err)
		}
		if left := e.containers(cli); len(left) != 0 {
			t.Fatalf("SIGTERM %s after start left %v", after, left)
		}
	}
}
