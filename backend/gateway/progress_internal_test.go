package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A server's progress reaches the client on the stream of the request it
// is about, all of it before the result: read off the wire of a client
// that keeps no stream of its own open, over many calls.
func TestProgressComesOnTheRequestsStreamBeforeItsResult(t *testing.T) {
	const steps = 20
	add := func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "work", Description: "Works in steps.", InputSchema: map[string]any{"type": "object"},
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				for i := range steps {
					req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: req.Params.GetProgressToken(), Progress: float64(i + 1), Total: steps})
				}
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil
			})
	}
	g, _ := memGateway(t, nil, memBackend{name: "srv", add: add})
	hs := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
	hs.Config.Handler = g.HTTPHandler(HTTPOptions{Token: "secret-token", Port: port})
	hs.Start()
	defer hs.Close()

	session := ""
	post := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+HTTPPath, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret-token")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	session = resp.Header.Get("Mcp-Session-Id")
	resp.Body.Close()
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`).Body.Close()
	for call := range 10 {
		resp := post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"srv__work","arguments":{},"_meta":{"progressToken":"mine"}}}`)
		progress, result := 0, false
		lines := bufio.NewScanner(resp.Body)
		for !result && lines.Scan() {
			data, ok := strings.CutPrefix(lines.Text(), "data: ")
			if !ok {
				continue
			}
			var msg struct {
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
				Result json.RawMessage `json:"result"`
			}
			json.Unmarshal([]byte(data), &msg)
			switch {
			case msg.Method == "notifications/progress":
				if !strings.Contains(string(msg.Params), `"progressToken":"mine"`) {
					t.Fatalf("progress with the gateway's own token: %s", msg.Params)
				}
				progress++
			case msg.Result != nil:
				result = true
			}
		}
		resp.Body.Close()
		if !result || progress != steps {
			t.Fatalf("call %d: %d of %d progress notifications before the result on the request's stream (result read: %v)", call, progress, steps, result)
		}
	}
}

// The reader of a server's event stream hands on every data line whole,
// however the stream is cut, and passes the stream on unchanged.
func TestEventReaderSeesEveryMessageOfAStream(t *testing.T) {
	stream := "event: message\nid: 1\ndata: {\"a\":1}\n\n: comment\ndata:{\"b\":2}\n\ndata: " + strings.Repeat("x", maxSeenLine) + "\n\ndata: {\"c\":3}\n\n"
	for _, cut := range []int{1, 2, 7, 64, 1 << 20} {
		var seen []string
		r := &eventReader{ReadCloser: io.NopCloser(&chunked{s: stream, n: cut}), seen: func(b []byte) { seen = append(seen, string(b)) }}
		out, err := io.ReadAll(r)
		if err != nil || string(out) != stream {
			t.Fatalf("cut %d: the stream was changed (%v)", cut, err)
		}
		if want := []string{`{"a":1}`, `{"b":2}`, `{"c":3}`}; !slices.Equal(seen, want) {
			t.Errorf("cut %d: seen %q, want %q (an overlong line is not handed on)", cut, seen, want)
		}
	}
}

// chunked reads s at most n bytes at a time.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

// A client whose stream drops in the middle of a call resumes it from
// the stream's last event and gets the result, which came meanwhile.
func TestADroppedStreamResumesWithItsResult(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	defer letGo() // before the gateway closes, on every way out
	add := func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "wait", Description: "Waits to be let go.", InputSchema: map[string]any{"type": "object"},
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				<-release
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "let go"}}}, nil
			})
	}
	g, _ := memGateway(t, nil, memBackend{name: "srv", add: add})
	hs := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
	hs.Config.Handler = g.HTTPHandler(HTTPOptions{Token: "secret-token", Port: port})
	hs.Start()
	defer hs.Close()
	session := ""
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // no stream to resume from: none to wait on
	defer cancel()
	send := func(method, body, lastEvent string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, method, hs.URL+HTTPPath, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret-token")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		if lastEvent != "" {
			req.Header.Set("Last-Event-ID", lastEvent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := send(http.MethodPost, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`, "")
	session = resp.Header.Get("Mcp-Session-Id")
	resp.Body.Close()
	send(http.MethodPost, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "").Body.Close()

	resp = send(http.MethodPost, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"srv__wait","arguments":{}}}`, "")
	lines := bufio.NewScanner(resp.Body)
	last := ""
	for last == "" && lines.Scan() {
		if id, ok := strings.CutPrefix(lines.Text(), "id: "); ok {
			last = id
		}
	}
	resp.Body.Close() // the connection drops
	letGo()
	if last == "" {
		t.Fatal("the call's stream named no event to resume from")
	}
	resp = send(http.MethodGet, "", last)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("resuming from %q: %d %s", last, resp.StatusCode, body)
	}
	lines = bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok && strings.Contains(data, `"id":2`) {
			if !strings.Contains(data, "let go") {
				t.Fatalf("resumed with %s", data)
			}
			return
		}
	}
	t.Fatalf("the resumed stream ended without the result (status %d, %v, last event %q)", resp.StatusCode, lines.Err(), last)
}
