package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// pipeBackend runs an in-process server over pipes, read through the same
// guard as a sandbox's stdout.
type pipeBackend struct {
	name string
	add  func(*mcp.Server)
	log  *syncBuffer
}

func (b pipeBackend) Name() string { return b.name }

func (b pipeBackend) Start(ctx context.Context) (Process, error) {
	srv := mcp.NewServer(&mcp.Implementation{Name: b.name, Version: "1"}, &mcp.ServerOptions{SupportedProtocolVersions: sessionRevisions})
	b.add(srv)
	return pipedProc(ctx, srv, b.name, b.log, func(w io.WriteCloser) io.WriteCloser { return deepener{w} })
}

// deepMarker in a reply makes deepener send, for the same id, a reply
// nested deeper than JSON decoders go, as a hostile server would.
const deepMarker = "make-me-deep"

type deepener struct{ io.WriteCloser }

func (d deepener) Write(p []byte) (int, error) {
	if !bytes.Contains(p, []byte(deepMarker)) {
		return d.WriteCloser.Write(p)
	}
	var msg struct {
		ID json.RawMessage `json:"id"`
	}
	json.Unmarshal(p, &msg)
	deep := strings.Repeat("[", 10050) + strings.Repeat("]", 10050)
	_, err := d.WriteCloser.Write([]byte(`{"jsonrpc":"2.0","id":` + string(msg.ID) + `,"result":{"content":[],"structuredContent":{"v":` + deep + `}}}` + "\n"))
	return len(p), err
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestACallWhoseReplyIsDroppedFailsAtOnce: a server answers one call with
// a reply over the message cap and another with one nested too deep to
// decode. Each call fails at once, with the server failed code and why,
// long before its timeout, and the server goes on answering.
func TestACallWhoseReplyIsDroppedFailsAtOnce(t *testing.T) {
	add := func(s *mcp.Server) {
		mcp.AddTool(s, &mcp.Tool{Name: "echo"}, func(_ context.Context, _ *mcp.CallToolRequest, in struct{ Text string }) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: in.Text}}}, nil, nil
		})
		s.AddTool(&mcp.Tool{Name: "big", InputSchema: map[string]any{"type": "object"}}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.Repeat("x", MaxMessageBytes+1)}}}, nil
		})
		s.AddTool(&mcp.Tool{Name: "deep", InputSchema: map[string]any{"type": "object"}}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: deepMarker}}}, nil
		})
	}
	log := &syncBuffer{}
	_, cs := memGateway(t, func(*store.Store) Options { return Options{CallTimeout: 10 * time.Minute} }, pipeBackend{name: "srv", add: add, log: log})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // far below the call timeout
	defer cancel()
	for _, tool := range []string{"srv__big", "srv__deep"} {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
		if codeOf(err) != CodeServerFailed || !strings.Contains(err.Error(), "could not read") {
			t.Errorf("%s: %v (code %d), want the server failed code at once", tool, err, codeOf(err))
		}
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__echo", Arguments: map[string]any{"text": "still here"}}); err != nil || len(res.Content) == 0 {
		t.Errorf("the server stopped answering: %v", err)
	}
	if !strings.Contains(log.String(), "larger than") || !strings.Contains(log.String(), "nests deeper") {
		t.Errorf("the server's log does not note both dropped replies: %.300s", log.String())
	}
}
