package testenv

//lint:file-ignore SA1019 roots, sampling and logging are deprecated only from MCP 2026-07-28; the gateway forwards them for 2025-06-18 and 2025-11-25 peers.

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Observer is an MCP client that answers what servers ask of it (sampling
// with its Model name, elicitation, roots) and keeps every notification.
type Observer struct {
	Model        string
	mu           sync.Mutex
	logs         []mcp.LoggingMessageParams
	progress     []mcp.ProgressNotificationParams
	updated      []string
	toolsChanged int
}

// NewObserver makes an observing client with the given roots.
func NewObserver(model string, roots ...string) (*Observer, *mcp.Client) {
	o := &Observer{Model: model}
	return o, o.client(roots...)
}

// NewObserverClient is a client that answers but whose notifications
// nobody reads.
func NewObserverClient() *mcp.Client {
	_, c := NewObserver("test-model")
	return c
}

func (o *Observer) client(roots ...string) *mcp.Client {
	c := mcp.NewClient(&mcp.Implementation{Name: "gateway-test", Version: "0"}, &mcp.ClientOptions{
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			asked := req.Params.Messages[0].Content.(*mcp.TextContent).Text
			return &mcp.CreateMessageResult{Model: o.Model, Role: "assistant", Content: &mcp.TextContent{Text: "reply to " + asked}}, nil
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

// ToolsChanged is how many tool list changes were announced.
func (o *Observer) ToolsChanged() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.toolsChanged
}

// LogCount is how many log messages arrived from logger.
func (o *Observer) LogCount(logger string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, l := range o.logs {
		if l.Logger == logger {
			n++
		}
	}
	return n
}

func (o *Observer) snapshot() Observer {
	o.mu.Lock()
	defer o.mu.Unlock()
	return Observer{logs: slices.Clone(o.logs), progress: slices.Clone(o.progress), updated: slices.Clone(o.updated), toolsChanged: o.toolsChanged}
}

// Call calls a tool and fails the test on a protocol error.
func Call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

// Text is the first text content of a result.
func Text(res *mcp.CallToolResult) string {
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
	raw, _ := json.Marshal(Call(t, cs, "feat__observed", nil).StructuredContent)
	json.Unmarshal(raw, &o)
	return o
}

// ExerciseGateway checks every kind of MCP traffic through a gateway that
// serves the featureful test server as "feat" and the well-behaved one as
// "wb". client is obs's client, connected as cs, with the root
// file:///work/project.
//
// At 2026-07-28, which has no sessions, what that revision removed (ping,
// logging/setLevel) is not asked for, and a server's questions to its
// client in the middle of a call (sampling, elicitation, roots), which it
// turns into multi-round-trip results the gateway does not forward yet,
// are checked to be refused with a reason.
func ExerciseGateway(t *testing.T, cs *mcp.ClientSession, obs *Observer, client *mcp.Client, approve Approver) {
	ctx := context.Background()
	stateless := cs.InitializeResult().ProtocolVersion >= "2026-07-28"
	t.Run("initialize", func(t *testing.T) {
		init := cs.InitializeResult()
		caps := init.Capabilities
		if init.ServerInfo.Name != "bulkhead" || caps.Tools == nil || caps.Prompts == nil || caps.Resources == nil ||
			!caps.Resources.Subscribe || caps.Completions == nil || caps.Logging == nil {
			t.Errorf("initialize: %+v caps %+v", init.ServerInfo, caps)
		}
	})
	if !stateless {
		t.Run("ping", func(t *testing.T) {
			if err := cs.Ping(ctx, nil); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("tools/list aggregates with prefixes", func(t *testing.T) {
		names := ToolNames(t, cs)
		for _, want := range []string{"feat__echo", "feat__media", "feat__sample", "wb__echo", "wb__whoami"} {
			if !slices.Contains(names, want) {
				t.Errorf("tools/list lacks %s: %v", want, names)
			}
		}
	})
	t.Run("tools/call text, structured and error results", func(t *testing.T) {
		if got := Text(Call(t, cs, "feat__echo", map[string]any{"text": "hi"})); got != "echo: hi" {
			t.Errorf("feat__echo = %q", got)
		}
		if got := Text(Call(t, cs, "wb__echo", map[string]any{"text": "hi"})); got != "echo: hi" {
			t.Errorf("wb__echo = %q", got)
		}
		res := Call(t, cs, "feat__add", map[string]any{"a": 2, "b": 40})
		if sum := res.StructuredContent.(map[string]any)["sum"]; sum != float64(42) {
			t.Errorf("structured = %+v", res.StructuredContent)
		}
		res = Call(t, cs, "feat__fail", nil)
		if !res.IsError || Text(res) != "it failed on purpose" {
			t.Errorf("tool error = %+v", res)
		}
	})
	t.Run("tools/call images, audio and resources", func(t *testing.T) {
		res := Call(t, cs, "feat__media", nil)
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
		// At 2026-07-28 a subscription is a listening request, which the
		// client opens without waiting for the server to take it.
		WaitFor(t, "the server's subscription", func() bool {
			return slices.Equal(observed(t, cs).Subscriptions, []string{"mem://featureful/hello"})
		})
		Call(t, cs, "feat__touch", map[string]any{"text": "mem://featureful/hello"})
		WaitFor(t, "resources/updated", func() bool { return slices.Contains(obs.snapshot().updated, "mem://featureful/hello") })
		if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: "mem://featureful/hello"}); err != nil {
			t.Fatal(err)
		}
		if o := observed(t, cs); len(o.Subscriptions) != 0 {
			t.Errorf("still subscribed: %v", o.Subscriptions)
		}
	})
	if !stateless {
		t.Run("logging: setLevel and messages", func(t *testing.T) {
			if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
				t.Fatal(err)
			}
			if o := observed(t, cs); o.LogLevel != "info" {
				t.Errorf("server's log level = %q", o.LogLevel)
			}
			Call(t, cs, "feat__log", map[string]any{"level": "warning", "message": "disk nearly full"})
			WaitFor(t, "the log message", func() bool {
				for _, l := range obs.snapshot().logs {
					if l.Data == "disk nearly full" && l.Logger == "feat/featureful" && l.Level == "warning" {
						return true
					}
				}
				return false
			})
			cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "error"})
			Call(t, cs, "feat__log", map[string]any{"level": "info", "message": "too chatty"})
			Call(t, cs, "feat__log", map[string]any{"level": "error", "message": "marker"})
			WaitFor(t, "the marker", func() bool {
				return slices.ContainsFunc(obs.snapshot().logs, func(l mcp.LoggingMessageParams) bool { return l.Data == "marker" })
			})
			if slices.ContainsFunc(obs.snapshot().logs, func(l mcp.LoggingMessageParams) bool { return l.Data == "too chatty" }) {
				t.Error("a message below the client's level got through")
			}
		})
	}
	t.Run("progress keeps the client's token", func(t *testing.T) {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__slow", Meta: mcp.Meta{"progressToken": "my-token"},
			Arguments: map[string]any{"steps": 3, "delayMs": 10, "label": "p"}})
		if err != nil || Text(res) != "done p" {
			t.Fatalf("slow = %+v, %v", res, err)
		}
		WaitFor(t, "3 progress notifications", func() bool {
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
		WaitFor(t, "the server to see the cancellation", func() bool { return slices.Contains(observed(t, cs).Cancelled, "to-cancel") })
	})
	if stateless {
		t.Run("sampling, elicitation and roots are refused with a reason", func(t *testing.T) {
			for tool, args := range map[string]map[string]any{"feat__sample": {"text": "6*7?"}, "feat__elicit": {"text": "the answer?"}, "feat__roots": nil} {
				if got := Text(Call(t, cs, tool, args)); !strings.Contains(got, "does not yet pass such a question on as a multi-round-trip request") {
					t.Errorf("%s = %q", tool, got)
				}
			}
		})
	} else {
		t.Run("sampling goes to the client", func(t *testing.T) {
			if got := Text(Call(t, cs, "feat__sample", map[string]any{"text": "what is 6*7?"})); got != "model test-model said: reply to what is 6*7?" {
				t.Errorf("sample = %q", got)
			}
		})
		t.Run("elicitation goes to the client", func(t *testing.T) {
			if got := Text(Call(t, cs, "feat__elicit", map[string]any{"text": "the answer?"})); got != "accept: 42 to the answer?" {
				t.Errorf("elicit = %q", got)
			}
		})
		t.Run("roots come from the client, and their changes reach the server", func(t *testing.T) {
			if got := Text(Call(t, cs, "feat__roots", nil)); got != "file:///work/project" {
				t.Errorf("roots = %q", got)
			}
			client.AddRoots(&mcp.Root{URI: "file:///work/other"})
			WaitFor(t, "the new root", func() bool {
				got := strings.Split(Text(Call(t, cs, "feat__roots", nil)), ",")
				slices.Sort(got)
				return slices.Equal(got, []string{"file:///work/other", "file:///work/project"})
			})
		})
	}
	t.Run("a new tool is withheld until approved, then announced", func(t *testing.T) {
		before := obs.snapshot().toolsChanged
		Call(t, cs, "feat__add_tool", map[string]any{"text": "fresh"})
		WaitFor(t, "the new tool to be refused as withheld", func() bool {
			_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "feat__fresh"})
			return err != nil && strings.Contains(err.Error(), `tool "fresh" of server "feat" is new and is withheld until a person approves it`)
		})
		if slices.Contains(ToolNames(t, cs), "feat__fresh") {
			t.Fatal("a withheld tool is listed")
		}
		approve(t, "feat", "fresh")
		WaitFor(t, "tools/list_changed", func() bool { return obs.snapshot().toolsChanged > before })
		WaitFor(t, "the new tool", func() bool { return slices.Contains(ToolNames(t, cs), "feat__fresh") })
		if got := Text(Call(t, cs, "feat__fresh", nil)); got != "new tool fresh" {
			t.Errorf("new tool = %q", got)
		}
	})
}

// Approver approves the withheld version of a server's tool, as a person would.
type Approver func(t *testing.T, server, tool string)

// ApproveIn approves in the state store at path, from outside the gateway.
func ApproveIn(path string) Approver {
	return func(t *testing.T, server, tool string) {
		t.Helper()
		ctx := context.Background()
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		changes, err := st.DefinitionChanges(ctx, server)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range changes {
			if c.Kind == store.KindTool && c.Name == tool {
				if err := st.ApproveDefinition(ctx, server, c.Kind, c.Name, c.Hash, "test"); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("tool %s of %s is not withheld: %+v", tool, server, changes)
	}
}

// WaitFor polls until cond holds, failing the test after 30 seconds.
func WaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
