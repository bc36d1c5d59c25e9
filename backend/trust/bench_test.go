package trust

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkPinAndScanToolsList is what a review costs per tools/list of
// 100 tools before the store is asked: canonical JSON and hash of each
// tool (for its pin) and the scan of the decoded result.
func BenchmarkPinAndScanToolsList(b *testing.B) {
	var tools []*mcp.Tool
	for i := range 100 {
		props := map[string]any{}
		for p := range 4 {
			props[fmt.Sprintf("param_%d", p)] = map[string]any{"type": "string",
				"description": "The value to use for this step; leave empty for the default, which suits most cases."}
		}
		tools = append(tools, &mcp.Tool{Name: fmt.Sprintf("tool_%d", i),
			Description: strings.Repeat("Looks up records in the project's index and returns the matches, newest first. ", 4),
			InputSchema: map[string]any{"type": "object", "properties": props, "required": []string{"param_0"}},
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}})
	}
	others := scan.NewContext(map[string]string{"send_email": "mail", "read_file": "fs"})
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range tools {
			f, err := canonicalize(t, definition)
			if err != nil {
				b.Fatal(err)
			}
			if fs := scanDefinition(context.Background(), store.KindTool, f, others); scan.Blocks(fs) {
				b.Fatal(fs)
			}
		}
	}
}
