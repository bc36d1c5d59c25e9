package gateway

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// TestEveryTextOfAResultIsScreened redacts a secret wherever a result can
// carry text for a model: text, embedded resources, resource links,
// structured content, prompt messages and resource contents. The
// server-side cases run against real servers in the cmd tests.
func TestEveryTextOfAResultIsScreened(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const configured = "hunter2-but-longer"
	g, err := New(nil, Options{Store: st, Secrets: scan.NewSecrets(configured)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	d := &downstream{g: g, name: "srv"}
	key := "AKIA" + "IOSFODNN7EXAMPLE"
	leak := "here: " + key

	tool := &mcp.CallToolResult{
		Content: []mcp.Content{
			&mcp.TextContent{Text: leak},
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "file:///a", Text: leak}},
			&mcp.ResourceLink{URI: "file:///b", Name: "b", Description: leak},
		},
		StructuredContent: map[string]any{"nested": []any{map[string]any{"v": "pw " + configured}}},
	}
	prompt := &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: leak}}}}
	read := &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: "file:///c", Text: leak}}}
	for subject, slots := range map[string][]textSlot{"tool": toolResultSlots(tool), "prompt": promptSlots(prompt), "read": readSlots(read)} {
		if err := g.screen(ctx, d, subject, slots); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
	}
	texts := []string{
		tool.Content[0].(*mcp.TextContent).Text, tool.Content[1].(*mcp.EmbeddedResource).Resource.Text,
		tool.Content[2].(*mcp.ResourceLink).Description,
		tool.StructuredContent.(map[string]any)["nested"].([]any)[0].(map[string]any)["v"].(string),
		prompt.Messages[0].Content.(*mcp.TextContent).Text, read.Contents[0].Text,
	}
	for i, text := range texts {
		if strings.Contains(text, key) || strings.Contains(text, configured) || !strings.Contains(text, "[removed by Bulkhead: ") {
			t.Errorf("text %d not redacted: %q", i, text)
		}
	}
}
