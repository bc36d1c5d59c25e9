package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// TestExposedNamesAreUnique gives a server tools whose exposed names would
// collide: a name that must be changed and a name spelt like its changed
// form, names that differ only past the length limit, and names that
// clean to the same. Each gets a name of its own, the same every time.
func TestExposedNamesAreUnique(t *testing.T) {
	sum := sha256.Sum256([]byte("é"))
	lookalike := "__" + hex.EncodeToString(sum[:4]) // what "é" becomes, after the prefix
	long := strings.Repeat("x", 140)
	names := []string{"é", lookalike, "a b", "a_b", "a/b", long + "1", long + "2", "", "echo"}
	got := exposedNames("srv__", names)
	seen := map[string]string{}
	for _, n := range names {
		e := got[n]
		if e == "" || len(e) > maxNameLen || !strings.HasPrefix(e, "srv__") || cleanName(e) != e {
			t.Errorf("%q exposed as %q", n, e)
		}
		if other, dup := seen[e]; dup {
			t.Errorf("%q and %q are both exposed as %q", other, n, e)
		}
		seen[e] = n
	}
	if got[lookalike] != "srv__"+lookalike || got["echo"] != "srv__echo" || got["a_b"] != "srv__a_b" {
		t.Errorf("names that needed no change were changed: %v", got)
	}
	slices.Reverse(names)
	if again := exposedNames("srv__", names); !mapsEqual(again, got) {
		t.Errorf("the names depend on the order offered: %v, then %v", got, again)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A server offering a tool and another spelt like its changed name: both
// are listed, under names of their own, and each call reaches its tool.
func TestCollidingExposedNamesAreBothReachable(t *testing.T) {
	sum := sha256.Sum256([]byte("a b"))
	lookalike := "a_b_" + hex.EncodeToString(sum[:4]) // what "a b" becomes, after the prefix
	add := func(s *mcp.Server) {
		for _, name := range []string{"a b", lookalike} {
			s.AddTool(&mcp.Tool{Name: name, InputSchema: map[string]any{"type": "object"}}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "I am " + name}}}, nil
			})
		}
	}
	_, cs := memGateway(t, nil, memBackend{name: "srv", add: add})
	ctx := context.Background()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, tl := range res.Tools {
		listed = append(listed, tl.Name)
	}
	if len(listed) != 3 {
		t.Fatalf("tools listed: %v, want echo and both colliding ones", listed)
	}
	answers := map[string]bool{}
	for _, name := range listed {
		r, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
		if err != nil {
			t.Fatalf("call %s: %v", name, err)
		}
		if text := r.Content[0].(*mcp.TextContent).Text; strings.HasPrefix(text, "I am ") {
			answers[text] = true
		}
	}
	if !answers["I am a b"] || !answers["I am "+lookalike] {
		t.Errorf("calls reached %v, want each colliding tool once", answers)
	}
}

// With bare names, one server's tools and prompts are published and
// called by the names it gave them, and a name with the server in front
// reaches nothing; two servers are refused, as their names could clash.
func TestBareNamesKeepTheServersOwn(t *testing.T) {
	add := func(s *mcp.Server) {
		s.AddPrompt(&mcp.Prompt{Name: "greet"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hello"}}}}, nil
		})
	}
	bare := func(*store.Store) Options { return Options{Bare: true} }
	_, cs := memGateway(t, bare, memBackend{name: "srv", add: add})
	ctx := context.Background()
	if names := testenv.ToolNames(t, cs); !slices.Equal(names, []string{"echo"}) {
		t.Errorf("tools listed %v, want the server's own [echo]", names)
	}
	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "greet" {
		t.Fatalf("prompts listed %+v (%v), want the server's own greet", prompts, err)
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "greet"}); err != nil {
		t.Errorf("get greet: %v", err)
	}
	r, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"Text": "hi"}})
	if err != nil || r.IsError || r.Content[0].(*mcp.TextContent).Text != "hi" {
		t.Fatalf("call echo: %+v, %v", r, err)
	}
	if r, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__echo", Arguments: map[string]any{"Text": "hi"}}); err == nil && !r.IsError {
		t.Errorf("srv__echo reached a tool with bare names: %+v", r)
	}

	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = New([]Backend{memBackend{name: "a"}, memBackend{name: "b"}}, Options{Store: st, Bare: true})
	if err == nil || !strings.Contains(err.Error(), "exactly one server") {
		t.Errorf("bare names over two servers: %v, want refused", err)
	}
}
