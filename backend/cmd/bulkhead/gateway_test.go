//lint:file-ignore SA1019 roots, sampling and logging are deprecated only from MCP 2026-07-28; this file forwards them for 2025-06-18 and 2025-11-25 peers.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// observer is an MCP client that answers what servers ask of it and keeps
// every notification it receives.
type observer struct {
	mu           sync.Mutex
	logs         []mcp.LoggingMessageParams
	progress     []mcp.ProgressNotificationParams
	updated      []string
	toolsChanged int
}

func (o *observer) client(roots ...string) *mcp.Client {
	c := mcp.NewClient(&mcp.Implementation{Name: "gateway-test", Version: "0"}, &mcp.ClientOptions{
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			asked := req.Params.Messages[0].Content.(*mcp.TextContent).Text
			return &mcp.CreateMessageResult{Model: "test-model", Role: "assistant", Content: &mcp.TextContent{Text: "reply to " + asked}}, nil
		},
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": "42 to " + req.Params.Message}}, nil
		},
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
			o.mu.Lock()
			o.logs = append(o.logs, *req.Params)
			o.mu.Unlock()
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			o.mu.Lock()
			o.progress = append(o.progress, *req.Params)
			o.mu.Unlock()
		},
		ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			o.mu.Lock()
			o.updated = append(o.updated, req.Params.URI)
			o.mu.Unlock()
		},
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			o.mu.Lock()
			o.toolsChanged++
			o.mu.Unlock()
		},
	})
	for _, r := range roots {
		c.AddRoots(&mcp.Root{URI: r})
	}
	return c
}

func (o *observer) snapshot() observer {
	o.mu.Lock()
	defer o.mu.Unlock()
	return observer{logs: slices.Clone(o.logs), progress: slices.Clone(o.progress), updated: slices.Clone(o.updated), toolsChanged: o.toolsChanged}
}

// gatewayEnv writes a catalog with the featureful server as "feat" and the
// well-behaved one as "wb".
func gatewayEnv(t *testing.T) *env {
	cli := testenv.RequireEngine(t)
	feat := testenv.ServerImage(t, cli, "featureful")
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	return newEnv(t, entryYAML("feat", feat, "")+"  - name: wb\n    image: "+wb+"\n")
}

// connectGateway starts `bulkhead gateway --stdio` with the given servers.
func (e *env) connectGateway(c *mcp.Client, servers ...string) (*mcp.ClientSession, *exec.Cmd, *bytes.Buffer) {
	e.t.Helper()
	args := []string{"gateway", "--stdio"}
	for _, s := range servers {
		args = append(args, "--server", s)
	}
	cmd := e.command(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := c.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 30 * time.Second}, nil)
	if err != nil {
		e.t.Fatalf("connect to the gateway: %v; stderr: %s", err, stderr.String())
	}
	e.t.Cleanup(func() { cs.Close() })
	return cs, cmd, &stderr
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return ""
}

type observedState struct {
	Subscriptions []string `json:"subscriptions"`
	LogLevel      string   `json:"logLevel"`
	Cancelled     []string `json:"cancelled"`
}

func observed(t *testing.T, cs *mcp.ClientSession) observedState {
	t.Helper()
	var o observedState
	raw, _ := json.Marshal(call(t, cs, "feat__observed", nil).StructuredContent)
	json.Unmarshal(raw, &o)
	return o
}

func TestGatewayForwardsEveryFeatureOverStdio(t *testing.T) {
	e := gatewayEnv(t)
	obs := &observer{}
	client := obs.client("file:///work/project")
	cs, _, stderr := e.connectGateway(client, "feat", "wb")
	ctx := context.Background()
	defer func() {
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", stderr.String())
		}
	}()

	t.Run("initialize", func(t *testing.T) {
		init := cs.InitializeResult()
		caps := init.Capabilities
		if init.ServerInfo.Name != "bulkhead" || caps.Tools == nil || caps.Prompts == nil || caps.Resources == nil ||
			!caps.Resources.Subscribe || caps.Completions == nil || caps.Logging == nil {
			t.Errorf("initialize: %+v caps %+v", init.ServerInfo, caps)
		}
	})
	t.Run("ping", func(t *testing.T) {
		if err := cs.Ping(ctx, nil); err != nil {
			t.Error(err)
		}
	})
	t.Run("tools/list aggregates with prefixes", func(t *testing.T) {
		names := testenv.ToolNames(t, cs)
		for _, want := range []string{"feat__echo", "feat__media", "feat__sample", "wb__echo", "wb__whoami"} {
			if !slices.Contains(names, want) {
				t.Errorf("tools/list lacks %s: %v", want, names)
			}
		}
	})
	t.Run("tools/call text, structured and error results", func(t *testing.T) {
		if got := text(call(t, cs, "feat__echo", map[string]any{"text": "hi"})); got != "echo: hi" {
			t.Errorf("feat__echo = %q", got)
		}
		if got := text(call(t, cs, "wb__echo", map[string]any{"text": "hi"})); got != "echo: hi" {
			t.Errorf("wb__echo = %q", got)
		}
		res := call(t, cs, "feat__add", map[string]any{"a": 2, "b": 40})
		if sum := res.StructuredContent.(map[string]any)["sum"]; sum != float64(42) {
			t.Errorf("structured = %+v", res.StructuredContent)
		}
		res = call(t, cs, "feat__fail", nil)
		if !res.IsError || text(res) != "it failed on purpose" {
			t.Errorf("tool error = %+v", res)
		}
	})
	t.Run("tools/call images, audio and resources", func(t *testing.T) {
		res := call(t, cs, "feat__media", nil)
		var kinds []string
		for _, c := range res.Content {
			switch c := c.(type) {
			case *mcp.TextContent:
				kinds = append(kinds, "text")
			case *mcp.ImageContent:
				if c.MIMEType == "image/png" && bytes.HasPrefix(c.Data, []byte("\x89PNG")) {
					kinds = append(kinds, "image")
				}
			case *mcp.AudioContent:
				if c.MIMEType == "audio/wav" && bytes.HasPrefix(c.Data, []byte("RIFF")) {
					kinds = append(kinds, "audio")
				}
			case *mcp.ResourceLink:
				if c.URI == "mem://featureful/hello" {
					kinds = append(kinds, "link")
				}
			case *mcp.EmbeddedResource:
				if c.Resource.Text == "embedded text" {
					kinds = append(kinds, "embedded")
				}
			}
		}
		if !slices.Equal(kinds, []string{"text", "image", "audio", "link", "embedded"}) {
			t.Errorf("content kinds = %v", kinds)
		}
	})
	t.Run("unknown tool is a JSON-RPC error", func(t *testing.T) {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__nope"})
		if err == nil || !strings.Contains(err.Error(), "feat__nope") {
			t.Errorf("unknown tool: %v", err)
		}
	})
	t.Run("prompts", func(t *testing.T) {
		list, err := cs.ListPrompts(ctx, nil)
		if err != nil || len(list.Prompts) != 1 || list.Prompts[0].Name != "feat__greet" {
			t.Fatalf("prompts/list = %+v, %v", list, err)
		}
		p, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "feat__greet", Arguments: map[string]string{"name": "Ada"}})
		if err != nil || p.Messages[0].Content.(*mcp.TextContent).Text != "Say hello to Ada" {
			t.Errorf("prompts/get = %+v, %v", p, err)
		}
	})
	t.Run("completion", func(t *testing.T) {
		res, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "feat__greet"},
			Argument: mcp.CompleteParamsArgument{Name: "name", Value: "a"}})
		if err != nil || !slices.Equal(res.Completion.Values, []string{"alice"}) {
			t.Errorf("completion = %+v, %v", res, err)
		}
	})
	t.Run("resources, templates and read", func(t *testing.T) {
		list, err := cs.ListResources(ctx, nil)
		if err != nil || len(list.Resources) != 2 {
			t.Fatalf("resources/list = %+v, %v", list, err)
		}
		tpls, err := cs.ListResourceTemplates(ctx, nil)
		if err != nil || len(tpls.ResourceTemplates) != 1 || tpls.ResourceTemplates[0].URITemplate != "mem://featureful/notes/{id}" {
			t.Fatalf("templates = %+v, %v", tpls, err)
		}
		r, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "mem://featureful/hello"})
		if err != nil || r.Contents[0].Text != "hello from featureful" {
			t.Errorf("read hello = %+v, %v", r, err)
		}
		r, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "mem://featureful/logo"})
		if err != nil || !bytes.HasPrefix(r.Contents[0].Blob, []byte("\x89PNG")) {
			t.Errorf("read logo = %+v, %v", r, err)
		}
		r, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "mem://featureful/notes/7"})
		if err != nil || r.Contents[0].Text != "note 7" {
			t.Errorf("read template = %+v, %v", r, err)
		}
	})
	t.Run("subscribe, updates and unsubscribe", func(t *testing.T) {
		if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "mem://featureful/hello"}); err != nil {
			t.Fatal(err)
		}
		if o := observed(t, cs); !slices.Equal(o.Subscriptions, []string{"mem://featureful/hello"}) {
			t.Errorf("server's subscriptions = %v", o.Subscriptions)
		}
		call(t, cs, "feat__touch", map[string]any{"text": "mem://featureful/hello"})
		waitFor(t, "resources/updated", func() bool { return slices.Contains(obs.snapshot().updated, "mem://featureful/hello") })
		if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: "mem://featureful/hello"}); err != nil {
			t.Fatal(err)
		}
		if o := observed(t, cs); len(o.Subscriptions) != 0 {
			t.Errorf("still subscribed: %v", o.Subscriptions)
		}
	})
	t.Run("logging: setLevel and messages", func(t *testing.T) {
		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
			t.Fatal(err)
		}
		if o := observed(t, cs); o.LogLevel != "info" {
			t.Errorf("server's log level = %q", o.LogLevel)
		}
		call(t, cs, "feat__log", map[string]any{"level": "warning", "message": "disk nearly full"})
		waitFor(t, "the log message", func() bool {
			for _, l := range obs.snapshot().logs {
				if l.Data == "disk nearly full" && l.Logger == "feat/featureful" && l.Level == "warning" {
					return true
				}
			}
			return false
		})
		cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "error"})
		call(t, cs, "feat__log", map[string]any{"level": "info", "message": "too chatty"})
		call(t, cs, "feat__log", map[string]any{"level": "error", "message": "marker"})
		waitFor(t, "the marker", func() bool {
			return slices.ContainsFunc(obs.snapshot().logs, func(l mcp.LoggingMessageParams) bool { return l.Data == "marker" })
		})
		if slices.ContainsFunc(obs.snapshot().logs, func(l mcp.LoggingMessageParams) bool { return l.Data == "too chatty" }) {
			t.Error("a message below the client's level got through")
		}
	})
	t.Run("progress keeps the client's token", func(t *testing.T) {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__slow", Meta: mcp.Meta{"progressToken": "my-token"},
			Arguments: map[string]any{"steps": 3, "delayMs": 10, "label": "p"}})
		if err != nil || text(res) != "done p" {
			t.Fatalf("slow = %+v, %v", res, err)
		}
		waitFor(t, "3 progress notifications", func() bool {
			n := 0
			for _, p := range obs.snapshot().progress {
				if p.ProgressToken == "my-token" {
					n++
				}
			}
			return n == 3
		})
	})
	t.Run("cancellation reaches the server", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		go func() { time.Sleep(500 * time.Millisecond); cancel() }()
		_, err := cs.CallTool(cctx, &mcp.CallToolParams{Name: "feat__slow", Arguments: map[string]any{"steps": 100, "delayMs": 100, "label": "to-cancel"}})
		if err == nil {
			t.Fatal("a cancelled call returned a result")
		}
		waitFor(t, "the server to see the cancellation", func() bool { return slices.Contains(observed(t, cs).Cancelled, "to-cancel") })
	})
	t.Run("sampling goes to the client", func(t *testing.T) {
		if got := text(call(t, cs, "feat__sample", map[string]any{"text": "what is 6*7?"})); got != "model test-model said: reply to what is 6*7?" {
			t.Errorf("sample = %q", got)
		}
	})
	t.Run("elicitation goes to the client", func(t *testing.T) {
		if got := text(call(t, cs, "feat__elicit", map[string]any{"text": "the answer?"})); got != "accept: 42 to the answer?" {
			t.Errorf("elicit = %q", got)
		}
	})
	t.Run("roots come from the client, and their changes reach the server", func(t *testing.T) {
		if got := text(call(t, cs, "feat__roots", nil)); got != "file:///work/project" {
			t.Errorf("roots = %q", got)
		}
		client.AddRoots(&mcp.Root{URI: "file:///work/other"})
		waitFor(t, "the new root", func() bool {
			got := strings.Split(text(call(t, cs, "feat__roots", nil)), ",")
			slices.Sort(got)
			return slices.Equal(got, []string{"file:///work/other", "file:///work/project"})
		})
	})
	t.Run("list_changed", func(t *testing.T) {
		before := obs.snapshot().toolsChanged
		call(t, cs, "feat__add_tool", map[string]any{"text": "fresh"})
		waitFor(t, "tools/list_changed", func() bool { return obs.snapshot().toolsChanged > before })
		waitFor(t, "the new tool", func() bool { return slices.Contains(testenv.ToolNames(t, cs), "feat__fresh") })
		if got := text(call(t, cs, "feat__fresh", nil)); got != "new tool fresh" {
			t.Errorf("new tool = %q", got)
		}
	})
}

func TestCollidingToolNamesAreBothReachable(t *testing.T) {
	cli := testenv.RequireEngine(t)
	wb := testenv.ServerImage(t, cli, "wellbehaved")
	e := newEnv(t, entryYAML("alpha", wb, "    env: {WHO: alpha}\n")+"  - name: beta\n    image: "+wb+"\n    env: {WHO: beta}\n")
	cs, _, _ := e.connectGateway((&observer{}).client(), "alpha", "beta")
	names := testenv.ToolNames(t, cs)
	for _, want := range []string{"alpha__echo", "beta__echo", "alpha__env", "beta__env"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools/list lacks %s: %v", want, names)
		}
	}
	for _, who := range []string{"alpha", "beta"} {
		if got := text(call(t, cs, who+"__env", map[string]any{"name": "WHO"})); got != who {
			t.Errorf("%s__env answered %q: the call reached the wrong server", who, got)
		}
	}
}

func TestKilledServerFailsTheCallInFlightAndRestarts(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := gatewayEnv(t)
	cs, _, stderr := e.connectGateway((&observer{}).client(), "feat")
	ctx := context.Background()
	if got := text(call(t, cs, "feat__echo", map[string]any{"text": "before"})); got != "echo: before" {
		t.Fatalf("before: %q", got)
	}
	first := e.containers(cli)
	if len(first) != 1 {
		t.Fatalf("containers: %v", first)
	}

	inflight := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__slow", Arguments: map[string]any{"steps": 600, "delayMs": 100, "label": "doomed"}})
		inflight <- err
	}()
	time.Sleep(500 * time.Millisecond)
	killServer(t, cli, e, "feat")

	select {
	case err := <-inflight:
		if err == nil || !strings.Contains(err.Error(), `server "feat"`) {
			t.Errorf("in-flight call: want an error naming the server, got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight call never ended after its server died")
	}
	if got := text(call(t, cs, "feat__echo", map[string]any{"text": "after"})); got != "echo: after" {
		t.Errorf("after the restart: %q (stderr %s)", got, stderr.String())
	}
	if now := e.containers(cli); len(now) != 1 || now[0] == first[0] {
		t.Errorf("want one new container, got %v (was %v)", now, first)
	}
}

func TestProtocolVersionsAreNegotiated(t *testing.T) {
	e := gatewayEnv(t)
	for _, version := range []string{"2025-06-18", "2025-11-25", "2024-11-05"} {
		t.Run(version, func(t *testing.T) {
			cmd := e.command("gateway", "--stdio", "--server", "wb")
			in, _ := cmd.StdinPipe()
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer in.Close()
			dec := json.NewDecoder(out)
			send := func(msg string) { in.Write([]byte(msg + "\n")) }
			send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`)
			var init struct {
				Result struct {
					ProtocolVersion string `json:"protocolVersion"`
				} `json:"result"`
			}
			if err := dec.Decode(&init); err != nil || init.Result.ProtocolVersion != version {
				t.Fatalf("initialize answered %+v, %v; want version %s", init, err, version)
			}
			send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wb__echo","arguments":{"text":"v"}}}`)
			var res struct {
				ID     int `json:"id"`
				Result struct {
					Content []struct{ Text string } `json:"content"`
				} `json:"result"`
			}
			if err := dec.Decode(&res); err != nil || res.ID != 2 || len(res.Result.Content) == 0 || res.Result.Content[0].Text != "echo: v" {
				t.Errorf("tools/call on %s: %+v, %v", version, res, err)
			}
		})
	}
}

// killServer kills a server's container behind the gateway's back.
func killServer(t *testing.T, cli *client.Client, e *env, server string) {
	t.Helper()
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{Filters: client.Filters{}.
		Add("label", sandbox.LabelHome+"="+sandbox.HomeID(e.home), sandbox.LabelServer+"="+server)})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("find %s's container: %v, %d found", server, err, len(res.Items))
	}
	if _, err := cli.ContainerKill(context.Background(), res.Items[0].ID, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		t.Fatal(err)
	}
}
