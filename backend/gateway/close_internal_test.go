//lint:file-ignore SA1019 a server asks for roots as 2025-11-25 servers do; roots are deprecated only from MCP 2026-07-28.

package gateway

import (
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// killBackend runs an in-process server over pipes that Stop cuts, as
// killing a process does, whatever the server is waiting for (memProc's
// Stop closes the server's session, which waits for its handlers).
type killBackend struct {
	name string
	add  func(*mcp.Server)
}

func (b killBackend) Name() string { return b.name }

func (b killBackend) Start(ctx context.Context) (Process, error) {
	srv := mcp.NewServer(&mcp.Implementation{Name: b.name, Version: "1"}, &mcp.ServerOptions{SupportedProtocolVersions: sessionRevisions})
	b.add(srv)
	toServer, fromClient := io.Pipe()
	fromServer, toClient := io.Pipe()
	ss, err := srv.Connect(ctx, &mcp.IOTransport{Reader: toServer, Writer: toClient}, nil)
	if err != nil {
		return nil, err
	}
	p := &killProc{transport: &mcp.IOTransport{Reader: fromServer, Writer: fromClient}, done: make(chan struct{})}
	p.kill = func() { toClient.Close(); fromClient.Close() }
	go func() { ss.Wait(); close(p.done) }()
	return p, nil
}

type killProc struct {
	transport mcp.Transport
	kill      func()
	once      sync.Once
	done      chan struct{}
}

func (p *killProc) Transport(func([]byte)) mcp.Transport { return p.transport }
func (p *killProc) Done() <-chan struct{}                { return p.done }
func (p *killProc) Err() error                           { return nil }
func (p *killProc) Stop(ctx context.Context) error {
	p.once.Do(p.kill)
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestCloseStopsAServerWaitingOnTheClient: a server asks for the client's
// roots in the middle of a call, and the client never answers (it is
// quitting). Closing the gateway stops the server all the same, within
// Close's context, instead of waiting for that answer.
func TestCloseStopsAServerWaitingOnTheClient(t *testing.T) {
	add := func(s *mcp.Server) {
		mcp.AddTool(s, &mcp.Tool{Name: "roots", Description: "Lists the roots."}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
			_, err := req.Session.ListRoots(ctx, nil)
			return nil, nil, err
		})
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g, err := New([]Backend{killBackend{name: "srv", add: add}}, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	asked, never := make(chan struct{}), make(chan struct{}) // never: the client's answer
	client := mcp.NewClient(&mcp.Implementation{Name: "quitting", Version: "1"}, nil)
	client.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "roots/list" {
				close(asked)
				<-never
			}
			return next(ctx, method, req)
		}
	})
	// Not memGatewayWith: a Close that hangs must fail this test, not its
	// clean-up.
	serverEnd, clientEnd := mcp.NewInMemoryTransports()
	if _, err := g.Server().Connect(ctx, serverEnd, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := client.Connect(ctx, clientEnd, &mcp.ClientSessionOptions{ProtocolVersion: sessionVersion})
	if err != nil {
		t.Fatal(err)
	}
	called := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__roots", Arguments: map[string]any{}})
		called <- err
	}()
	<-asked

	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	closed := make(chan struct{})
	go func() { g.Close(closeCtx); close(closed) }()
	select {
	case <-closed:
		if closeCtx.Err() != nil {
			t.Error("Close took its whole context: it waited for the client's answer")
		}
	case <-time.After(30 * time.Second):
		t.Error("Close still waits for the client to answer the server")
	}
	close(never) // whatever happened, let everything end with the test
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close never returned, even once the client answered")
	}
	if err := <-called; err == nil {
		t.Error("the call whose server was stopped succeeded")
	}
	cs.Close()
}
