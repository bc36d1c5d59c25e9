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
	c := newRawClient(t, g)
	post := c.post
	for call := range 10 {
		resp := post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"srv__work","arguments":{},"_meta":{"progressToken":"mine"}}}`)
		progress, result, other := 0, false, ""
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
			default:
				other = data
			}
		}
		resp.Body.Close()
		if !result || progress != steps {
			t.Fatalf("call %d: %d of %d progress notifications before the result on the request's stream (result read: %v; status %d; else %s)", call, progress, steps, result, resp.StatusCode, other)
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

// rawClient speaks HTTP to a gateway's endpoint by hand, to read the
// streams as they are on the wire, in a session at 2025-11-25.
type rawClient struct {
	t       *testing.T
	url     string
	ctx     context.Context
	session string
}

// newRawClient serves g over HTTP and opens a session; the client's
// requests give up two minutes after it opens, so that a stream that never
// ends fails the test rather than hangs it.
func newRawClient(t *testing.T, g *Gateway) *rawClient {
	hs := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
	hs.Config.Handler = g.HTTPHandler(HTTPOptions{Token: "secret-token", Port: port})
	hs.Start()
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	c := &rawClient{t: t, url: hs.URL + HTTPPath, ctx: ctx}
	resp := c.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	c.session = resp.Header.Get("Mcp-Session-Id")
	resp.Body.Close()
	c.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`).Body.Close()
	// The notification and the next request travel apart, and the session
	// may take the request first: until it has taken the notification, it
	// answers requests with an error.
	for {
		resp := c.post(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), `"result"`) {
			return c
		}
	}
}

func (c *rawClient) post(body string) *http.Response {
	req, _ := http.NewRequestWithContext(c.ctx, http.MethodPost, c.url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret-token")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}
