//lint:file-ignore SA1019 logging is deprecated only from MCP 2026-07-28; these tests check it for 2025-11-25 and 2026-07-28 clients.

package gateway

import (
	"context"
	"encoding/json"
	"fmt"
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

// seenMeta is a server whose tool "look" records the _meta of each call it
// gets and reports progress twice, with a _meta of its own in its result.
func seenMeta(metas chan<- mcp.Meta) memBackend {
	return memBackend{name: "srv", add: func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "look", Description: "Looks around.", InputSchema: map[string]any{"type": "object"},
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				metas <- req.Params.Meta
				for i := range 2 {
					req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: req.Params.GetProgressToken(), Progress: float64(i + 1), Total: 2})
				}
				return &mcp.CallToolResult{Meta: mcp.Meta{"own": "kept", protocolKey + "serverInfo": map[string]any{"name": "srv"}},
					Content: []mcp.Content{&mcp.TextContent{Text: "seen"}}}, nil
			})
	}}
}

// progressCounter counts the progress a client gets.
type progressCounter struct {
	mu   sync.Mutex
	n    int
	more chan struct{}
}

func newProgressCounter() *progressCounter { return &progressCounter{more: make(chan struct{}, 100)} }

func (p *progressCounter) handler(context.Context, *mcp.ProgressNotificationClientRequest) {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	p.more <- struct{}{}
}

// await waits for n progress notifications in all.
func (p *progressCounter) await(t *testing.T, n int) {
	t.Helper()
	for {
		p.mu.Lock()
		got := p.n
		p.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-p.more:
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d progress notifications", got, n)
		}
	}
}

// checkCall calls srv__look and checks what the server and the client saw:
// the client's own _meta reaches the server without the protocol's keys,
// the server's result reaches the client without its, and progress comes.
func checkCall(t *testing.T, cs *mcp.ClientSession, metas <-chan mcp.Meta, progress *progressCounter, calls int) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "srv__look", Arguments: map[string]any{},
		Meta: mcp.Meta{"progressToken": "t1", "mine": "passed on"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Content[0].(*mcp.TextContent).Text != "seen" || res.Meta["own"] != "kept" {
		t.Errorf("result %+v", res)
	}
	if info, ok := res.Meta[protocolKey+"serverInfo"].(map[string]any); ok && info["name"] != "bulkhead" {
		t.Errorf("the client was told it talks to %v", info["name"])
	}
	meta := <-metas
	if meta["mine"] != "passed on" {
		t.Errorf("the server got _meta %v, without the client's own key", meta)
	}
	for k := range meta {
		if strings.HasPrefix(k, protocolKey) {
			t.Errorf("the server got the client's %s", k)
		}
	}
	progress.await(t, 2*calls)
}

// A client of 2026-07-28, which has no sessions, is served: over a stream
// (as stdio) and over HTTP, where each of its requests stands alone, beside
// a client of 2025-11-25 on the same endpoint.
func TestAClientOfTheStatelessRevisionIsServed(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		metas, progress := make(chan mcp.Meta, 4), newProgressCounter()
		client := mcp.NewClient(&mcp.Implementation{Name: "new-client", Version: "1"}, &mcp.ClientOptions{ProgressNotificationHandler: progress.handler})
		_, cs := memGatewayAt(t, statelessVersion, client, nil, seenMeta(metas))
		tools, err := cs.ListTools(context.Background(), nil)
		if err != nil || !slices.ContainsFunc(tools.Tools, func(t *mcp.Tool) bool { return t.Name == "srv__look" }) {
			t.Fatalf("tools %+v, %v", tools, err)
		}
		if tools.CacheScope != "private" || tools.TTLMs != 0 {
			t.Errorf("the list may be cached: %+v", tools.Cacheable)
		}
		checkCall(t, cs, metas, progress, 1)
	})
	t.Run("HTTP", func(t *testing.T) {
		metas := make(chan mcp.Meta, 4)
		g, _ := memGateway(t, nil, seenMeta(metas))
		hs := httptest.NewUnstartedServer(nil)
		_, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
		hs.Config.Handler = g.HTTPHandler(HTTPOptions{Token: "secret-token", Port: port})
		hs.Start()
		defer hs.Close()
		for _, version := range []string{statelessVersion, sessionVersion} {
			progress := newProgressCounter()
			client := mcp.NewClient(&mcp.Implementation{Name: "client", Version: version}, &mcp.ClientOptions{ProgressNotificationHandler: progress.handler})
			cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: hs.URL + HTTPPath,
				HTTPClient: &http.Client{Transport: Bearer("secret-token")}}, &mcp.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatalf("%s: %v", version, err)
			}
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Errorf("a client asking for %s speaks %s", version, got)
			}
			if (cs.ID() == "") != (version == statelessVersion) {
				t.Errorf("%s: session ID %q", version, cs.ID())
			}
			for call := range 2 {
				checkCall(t, cs, metas, progress, call+1)
			}
			cs.Close()
		}
	})
}

// Over HTTP, a request without a session (2026-07-28) is a session of its
// own for policy: "allow for this session" never spans two of them.
func TestAStatelessRequestIsASessionOfItsOwn(t *testing.T) {
	g, _ := memGateway(t, nil, memBackend{name: "srv"})
	if a, b := g.sessionOf(nil), g.sessionOf(nil); a != b {
		t.Fatalf("over stdio the one client's session is named %q, then %q", a, b)
	}
	g.overHTTP.Store(true)
	if a, b := g.sessionOf(nil), g.sessionOf(nil); a == b {
		t.Errorf("two requests without a session over HTTP share session %q", a)
	}
}

// logsOf collects the log messages a client gets, by their data.
type logsOf struct {
	mu   sync.Mutex
	data []string
	more chan struct{}
}

func newLogs() *logsOf { return &logsOf{more: make(chan struct{}, 100)} }

func (l *logsOf) handler(_ context.Context, req *mcp.LoggingMessageRequest) {
	l.mu.Lock()
	l.data = append(l.data, req.Params.Data.(string))
	l.mu.Unlock()
	l.more <- struct{}{}
}

func (l *logsOf) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.data)
}

// await waits until the client got a message with data.
func (l *logsOf) await(t *testing.T, data string) {
	t.Helper()
	for !slices.Contains(l.got(), data) {
		select {
		case <-l.more:
		case <-time.After(30 * time.Second):
			t.Fatalf("no log %q; got %q", data, l.got())
		}
	}
}

// A server's log message goes to the client whose call it logged in, not
// to another client that also asked for logs: over many calls of two
// clients at 2025-11-25, and to a client of 2026-07-28, which asks for
// logs with its request.
func TestALogGoesToTheClientWhoseCallItIsIn(t *testing.T) {
	add := func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "chatty", Description: "Logs what it is told.", InputSchema: map[string]any{"type": "object"},
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				var in struct{ Say string }
				json.Unmarshal(req.Params.Arguments, &in)
				req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: in.Say})
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "said"}}}, nil
			})
	}
	logsA, logsB, logsC := newLogs(), newLogs(), newLogs()
	g, a := memGatewayWith(t, mcp.NewClient(&mcp.Implementation{Name: "a", Version: "1"}, &mcp.ClientOptions{LoggingMessageHandler: logsA.handler}), nil, memBackend{name: "srv", add: add})
	b := connectAt(t, g, sessionVersion, mcp.NewClient(&mcp.Implementation{Name: "b", Version: "1"}, &mcp.ClientOptions{LoggingMessageHandler: logsB.handler}))
	c := connectAt(t, g, statelessVersion, mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, &mcp.ClientOptions{LoggingMessageHandler: logsC.handler}))
	ctx := context.Background()
	for _, cs := range []*mcp.ClientSession{a, b} {
		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
			t.Fatal(err)
		}
	}
	say := func(cs *mcp.ClientSession, what string, meta mcp.Meta) {
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__chatty", Arguments: map[string]any{"say": what}, Meta: meta}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		say(a, fmt.Sprint("for a ", i), nil)
		say(b, fmt.Sprint("for b ", i), nil)
	}
	say(c, "for c", mcp.Meta{mcp.MetaKeyLogLevel: "debug"})
	logsA.await(t, "for a 9")
	logsB.await(t, "for b 9")
	logsC.await(t, "for c")
	for who, l := range map[string]*logsOf{"a": logsA, "b": logsB, "c": logsC} {
		for _, m := range l.got() {
			if !strings.HasPrefix(m, "for "+who) {
				t.Errorf("client %s got %q", who, m)
			}
		}
	}
}

// connectAt connects another client to g, speaking version.
func connectAt(t *testing.T, g *Gateway, version string, client *mcp.Client) *mcp.ClientSession {
	t.Helper()
	serverEnd, clientEnd := mcp.NewInMemoryTransports()
	if _, err := g.Server().Connect(context.Background(), serverEnd, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := client.Connect(context.Background(), clientEnd, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}
