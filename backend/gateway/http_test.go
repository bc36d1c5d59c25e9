package gateway_test

//lint:file-ignore SA1019 logging is deprecated only from MCP 2026-07-28; the gateway forwards it for 2025-06-18 and 2025-11-25 peers.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// servedGateway runs a gateway over sandboxed "feat" (featureful) and "wb"
// (well-behaved) servers on a loopback HTTP server; it returns the endpoint
// and the token. featYAML adds to feat's catalog entry.
func servedGateway(t *testing.T, featYAML string) (url, token string) {
	t.Helper()
	s := serveGateway(t, featYAML, gateway.Options{})
	return s.url, s.token
}

// served is a gateway under test.
type served struct {
	url, token string
	g          *gateway.Gateway
	eng        *sandbox.Engine
	db         string // the state store's file
}

func serveGateway(t *testing.T, featYAML string, opts gateway.Options) served {
	t.Helper()
	cli := testenv.RequireEngine(t)
	feat := testenv.ServerImage(t, cli, "featureful")
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	entries, err := catalog.Parse([]byte("version: 1\nservers:\n  - name: feat\n    image: "+feat+"\n"+featYAML+"  - name: wb\n    image: "+wb+"\n"), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ctx := context.Background()
	eng, err := sandbox.Connect(ctx, home)
	if err != nil {
		t.Fatal(err)
	}
	eng.UseHelper(testenv.BulkheadBinary(t))
	st, err := store.Open(ctx, filepath.Join(home, "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	var backends []gateway.Backend
	for _, e := range entries {
		backends = append(backends, &gateway.Sandboxed{Engine: eng, Store: st, Entry: e, Pull: sandbox.PullNever})
	}
	opts.Store = st
	g, err := gateway.New(backends, opts)
	if err != nil {
		t.Fatal(err)
	}
	token, err := gateway.Token(home)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: g.HTTPHandler(gateway.HTTPOptions{Token: token, Port: port})}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		g.Close(stopCtx)
		if left, _ := eng.List(stopCtx); len(left) > 0 {
			t.Errorf("containers left after Close: %+v", left)
		}
		eng.Close()
		st.Close()
	})
	return served{url: srv.URL + gateway.HTTPPath, token: token, g: g, eng: eng, db: filepath.Join(home, "bulkhead.db")}
}

// sessionVersion is the revision the tests' clients speak unless they say
// otherwise: the last with sessions, whose every feature they exercise.
const sessionVersion = "2025-11-25"

func connectHTTP(t *testing.T, url, token string, client *mcp.Client) *mcp.ClientSession {
	t.Helper()
	return connectHTTPAt(t, sessionVersion, url, token, client)
}

// connectHTTPAt connects client at version.
func connectHTTPAt(t *testing.T, version, url, token string, client *mcp.Client) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: gateway.Bearer(token)}},
		&mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect over HTTP: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func TestGatewayForwardsEveryFeatureOverHTTP(t *testing.T) {
	s := serveGateway(t, "", gateway.Options{})
	obs, client := testenv.NewObserver("test-model", "file:///work/project")
	cs := connectHTTP(t, s.url, s.token, client)
	testenv.ExerciseGateway(t, cs, obs, client, testenv.ApproveIn(s.db))
}

// A client of 2026-07-28, whose requests each stand alone, is served every
// feature that revision has.
func TestGatewayForwardsTheStatelessRevisionOverHTTP(t *testing.T) {
	s := serveGateway(t, "", gateway.Options{})
	obs, client := testenv.NewObserver("test-model", "file:///work/project")
	cs := connectHTTPAt(t, "2026-07-28", s.url, s.token, client)
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" || cs.ID() != "" {
		t.Fatalf("connected at %s with session %q", v, cs.ID())
	}
	testenv.ExerciseGateway(t, cs, obs, client, testenv.ApproveIn(s.db))
}

// TestGatewayReachesAnHTTPServerInItsSandbox runs the same scenario against
// a server that speaks streamable HTTP inside its container, reached over
// its private network through the relay, with no port published.
func TestGatewayReachesAnHTTPServerInItsSandbox(t *testing.T) {
	s := serveGateway(t, "    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n", gateway.Options{})
	obs, client := testenv.NewObserver("test-model", "file:///work/project")
	cs := connectHTTP(t, s.url, s.token, client)
	testenv.ExerciseGateway(t, cs, obs, client, testenv.ApproveIn(s.db))
}

func TestServerRequestsReachOnlyTheirClient(t *testing.T) {
	url, token := servedGateway(t, "")
	_, clientA := testenv.NewObserver("model-A")
	_, clientB := testenv.NewObserver("model-B")
	a := connectHTTP(t, url, token, clientA)
	b := connectHTTP(t, url, token, clientB)

	for who, cs := range map[string]*mcp.ClientSession{"A": a, "B": b} {
		got := testenv.Text(testenv.Call(t, cs, "feat__sample", map[string]any{"text": "hi"}))
		if got != "model model-"+who+" said: reply to hi" {
			t.Errorf("client %s's sampling went elsewhere: %q", who, got)
		}
	}

	// While A waits on the server, a request from the server could be A's
	// or B's: it is refused rather than guessed.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.CallTool(ctx, &mcp.CallToolParams{Name: "feat__slow", Arguments: map[string]any{"steps": 300, "delayMs": 100, "label": "a-waits"}})
	time.Sleep(300 * time.Millisecond)
	res := testenv.Call(t, b, "feat__sample", map[string]any{"text": "whose?"})
	if !res.IsError || !strings.Contains(testenv.Text(res), "cannot tell which client") {
		t.Errorf("an ambiguous sampling request was not refused: %+v", res)
	}
}

func TestHTTPRefusesWhatIsNotItsClient(t *testing.T) {
	url, token := servedGateway(t, "")
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`
	host := strings.TrimPrefix(strings.TrimSuffix(url, gateway.HTTPPath), "http://")
	_, port, _ := net.SplitHostPort(host)
	cases := []struct {
		name    string
		edit    func(*http.Request)
		body    string
		status  int
		message string
	}{
		{"no token", func(r *http.Request) { r.Header.Del("Authorization") }, init, 401, "bearer token"},
		{"wrong token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+strings.Repeat("x", len(token))) }, init, 401, "bearer token"},
		{"token as a query", func(r *http.Request) { r.Header.Del("Authorization"); r.URL.RawQuery = "token=" + token }, init, 401, "bearer token"},
		{"web page origin", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, init, 403, "origin"},
		{"web page named like loopback", func(r *http.Request) { r.Header.Set("Origin", "http://localhost.evil.example") }, init, 403, "origin"},
		{"sandboxed page", func(r *http.Request) { r.Header.Set("Origin", "null") }, init, 403, "origin"},
		{"loopback page without the token", func(r *http.Request) {
			r.Header.Set("Origin", "http://localhost:6274")
			r.Header.Del("Authorization")
		}, init, 401, "bearer token"},
		{"loopback page with the token", func(r *http.Request) { r.Header.Set("Origin", "http://127.0.0.1:6274") }, init, 200, ""},
		{"DNS rebinding host", func(r *http.Request) { r.Host = "evil.example:" + port }, init, 403, "host"},
		{"loopback on another port", func(r *http.Request) { r.Host = "localhost:1" }, init, 403, "host"},
		{"oversized body", func(*http.Request) {}, `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`, 413, ""},
		{"a real client", func(*http.Request) {}, init, 200, ""},
		{"localhost by name", func(r *http.Request) { r.Host = "localhost:" + port }, init, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Authorization", "Bearer "+token)
			c.edit(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			if resp.StatusCode != c.status || !strings.Contains(body.String(), c.message) {
				t.Errorf("status %d, body %q; want %d mentioning %q", resp.StatusCode, body.String(), c.status, c.message)
			}
			if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestTokenIsMadeOncePrivately(t *testing.T) {
	home := t.TempDir()
	a, err := gateway.Token(home)
	if err != nil || len(a) < 40 {
		t.Fatalf("token %q, %v", a, err)
	}
	b, _ := gateway.Token(home)
	if a != b {
		t.Error("the token changed between calls")
	}
	fi, _ := os.Stat(gateway.TokenPath(home))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v", fi.Mode().Perm())
	}
	other, _ := gateway.Token(t.TempDir())
	if other == a {
		t.Error("two homes share a token")
	}
}

// TestAFloodingServerIsHeldBack has a server send thousands of log messages
// and announce a hundred tool-list changes while another client uses
// another server: the flood reaches clients only at the gateway's rate,
// the announcements cost a few re-listings, and the other client is served.
func TestAFloodingServerIsHeldBack(t *testing.T) {
	url, token := servedGateway(t, "")
	obs, client := testenv.NewObserver("test-model")
	a := connectHTTP(t, url, token, client)
	b := connectHTTP(t, url, token, testenv.NewObserverClient())
	ctx := context.Background()
	if err := a.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
		t.Fatal(err)
	}
	const logs, changes = 20000, 100
	start := time.Now()
	flooded := make(chan string, 1)
	go func() {
		flooded <- testenv.Text(testenv.Call(t, a, "feat__flood", map[string]any{"logs": logs, "changes": changes}))
	}()
	for i := range 5 {
		want := fmt.Sprint("meanwhile ", i)
		if got := testenv.Text(testenv.Call(t, b, "wb__echo", map[string]any{"text": want})); got != "echo: "+want {
			t.Errorf("another client during the flood: %q", got)
		}
	}
	if got := <-flooded; got != "flooded" {
		t.Fatalf("flood: %q", got)
	}
	elapsed := time.Since(start)

	// Messages still in flight when the call returned arrive just after it.
	time.Sleep(time.Second)
	got := obs.LogCount("feat/flood")
	limit := gateway.NotifyBurst + int(float64(gateway.NotifyRate)*(elapsed+2*time.Second).Seconds())
	if got == 0 || got > limit || got >= logs {
		t.Errorf("%d of %d flooded log messages reached the client in %s; want some, at most %d", got, logs, elapsed, limit)
	}

	var names []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		names = testenv.ToolNames(t, a)
		if !slices.Contains(names, "feat__churn") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if slices.Contains(names, "feat__churn") || !slices.Contains(names, "feat__echo") {
		t.Errorf("after the churn the tools are %v", names)
	}
	var seen struct {
		ToolLists int `json:"toolLists"`
	}
	raw, _ := json.Marshal(testenv.Call(t, a, "feat__observed", nil).StructuredContent)
	json.Unmarshal(raw, &seen)
	t.Logf("%d of %d log messages passed in %s; %d list changes cost %d tools/list", got, logs, elapsed.Round(time.Millisecond), changes, seen.ToolLists)
	if seen.ToolLists < 1 || seen.ToolLists > changes/4 { // on a busy machine every change may fold into one
		t.Errorf("%d list changes cost %d tools/list requests; want them folded into a few", changes, seen.ToolLists)
	}
}

// TestAFrozenServerIsFoundAndReplaced freezes a server's container (as a
// hung process would be): its pings go unanswered, the gateway ends that
// sandbox, and the next call gets a fresh one. The SDK pings a server of
// 2025-11-25 (feat); one of 2026-07-28 (wb), whose revision has no ping,
// the gateway pings itself, any answer counting.
func TestAFrozenServerIsFoundAndReplaced(t *testing.T) {
	s := serveGateway(t, "", gateway.Options{KeepAlive: time.Second})
	cs := connectHTTP(t, s.url, s.token, testenv.NewObserverClient())
	for _, server := range []string{"feat", "wb"} {
		t.Run(server, func(t *testing.T) {
			if got := testenv.Text(testenv.Call(t, cs, server+"__echo", map[string]any{"text": "before"})); got != "echo: before" {
				t.Fatalf("before: %q", got)
			}
			ctx := context.Background()
			list, err := s.eng.List(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("containers: %+v, %v", list, err)
			}
			frozen := list[0].ID
			cli := s.eng.Client()
			if _, err := cli.ContainerPause(ctx, frozen, client.ContainerPauseOptions{}); err != nil {
				t.Fatal(err)
			}
			// Well before the default 30s keep-alive could have noticed.
			deadline := time.Now().Add(20 * time.Second)
			for {
				if _, err := cli.ContainerInspect(ctx, frozen, client.ContainerInspectOptions{}); err != nil {
					break // removed by the gateway
				}
				if time.Now().After(deadline) {
					cli.ContainerUnpause(ctx, frozen, client.ContainerUnpauseOptions{})
					t.Fatal("the frozen server's container is still there 20s later")
				}
				time.Sleep(200 * time.Millisecond)
			}
			if got := testenv.Text(testenv.Call(t, cs, server+"__echo", map[string]any{"text": "after"})); got != "echo: after" {
				t.Errorf("after: %q", got)
			}
			if list, _ := s.eng.List(ctx); len(list) != 1 || list[0].ID == frozen {
				t.Errorf("want one fresh container, got %+v", list)
			}
			if err := s.g.StopServer(ctx, server); err != nil { // the next one alone
				t.Fatal(err)
			}
		})
	}
}

// TestARugPullIsWithheld has an approved server change one parameter's
// description, in honest words (a hostile change is flagged as well, which
// TestAPoisonedToolNeverReachesAClient covers): the tool leaves the list,
// its calls are refused with the reason, both versions are kept for a
// person, and approving the new one brings it back.
func TestARugPullIsWithheld(t *testing.T) {
	s := serveGateway(t, "", gateway.Options{})
	cs := connectHTTP(t, s.url, s.token, testenv.NewObserverClient())
	if got := testenv.Text(testenv.Call(t, cs, "feat__echo", map[string]any{"text": "trusted"})); got != "echo: trusted" {
		t.Fatalf("before: %q", got)
	}
	testenv.Call(t, cs, "feat__redefine", map[string]any{"text": "The text to send back, as given."})

	ctx := context.Background()
	testenv.WaitFor(t, "the changed tool to be refused as withheld", func() bool {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__echo", Arguments: map[string]any{"text": "x"}})
		return err != nil && strings.Contains(err.Error(), `tool "echo" of server "feat" changed since it was approved and is withheld`)
	})
	if slices.Contains(testenv.ToolNames(t, cs), "feat__echo") {
		t.Error("the changed tool is still listed")
	}

	st, err := store.Open(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	changes, _ := st.DefinitionChanges(ctx, "feat")
	pins, _ := st.DefinitionPins(ctx, "feat")
	var pinned string
	for _, p := range pins {
		if p.Kind == store.KindTool && p.Name == "echo" {
			pinned = p.Definition
		}
	}
	if len(changes) != 1 || changes[0].Name != "echo" || changes[0].Reason != "changed" ||
		!strings.Contains(changes[0].Definition, "to send back, as given") || pinned == "" || strings.Contains(pinned, "to send back, as given") {
		t.Fatalf("withheld %+v, pinned %s", changes, pinned)
	}

	testenv.ApproveIn(s.db)(t, "feat", "echo")
	testenv.WaitFor(t, "the approved tool to come back", func() bool { return slices.Contains(testenv.ToolNames(t, cs), "feat__echo") })
	if got := testenv.Text(testenv.Call(t, cs, "feat__echo", map[string]any{"text": "approved"})); got != "echo: approved" {
		t.Errorf("after approval: %q", got)
	}
}
