package relay

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoIn struct {
	Text string `json:"text"`
}

// TestSessionOverRelay runs a real streamable-HTTP MCP server behind the
// relay and a real client in front of it: concurrent calls share the one
// stream, and a notification the server sends on its own (outside any
// request) arrives over the listening stream.
func TestSessionOverRelay(t *testing.T) {
	server := mcp.NewServer(&mcp.Implementation{Name: "behind", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "echo"}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
		time.Sleep(50 * time.Millisecond) // overlap the calls
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: in.Text}}}, nil, nil
	})
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	var hostsMu sync.Mutex
	hosts := map[string]bool{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hostsMu.Lock()
		hosts[r.Host] = true
		hostsMu.Unlock()
		handler.ServeHTTP(w, r)
	}))
	defer hs.Close()
	target, _ := url.Parse(hs.URL)
	defer func() { // a DNS-rebinding guard accepts it: the TypeScript SDK's refuses any other name
		hostsMu.Lock()
		defer hostsMu.Unlock()
		if want := "localhost:" + target.Port(); len(hosts) != 1 || !hosts[want] {
			t.Errorf("the server was sent Host %v; want only %s", hosts, want)
		}
	}()

	toRelay, fromClient := io.Pipe()
	toClient, fromRelay := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- Serve(toRelay, fromRelay, target)
		fromRelay.Close()
	}()

	changed := make(chan struct{}, 1)
	client := mcp.NewClient(&mcp.Implementation{Name: "front", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   "http://sandbox/",
		HTTPClient: Client(toClient, fromClient),
	}, nil)
	if err != nil {
		t.Fatalf("connect through the relay: %v", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			want := fmt.Sprint("call ", i)
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": want}})
			if err != nil {
				errs <- err
				return
			}
			if got := res.Content[0].(*mcp.TextContent).Text; got != want {
				errs <- fmt.Errorf("call %d answered %q", i, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	mcp.AddTool(server, &mcp.Tool{Name: "later"}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{}, nil, nil
	})
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("tools/list_changed sent outside any request never arrived through the relay")
	}

	cs.Close()
	fromClient.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("relay ended with %v once its input closed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not end when its input closed")
	}
}
