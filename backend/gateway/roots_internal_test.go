package gateway

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// A client's roots change while a server starts: the gateway tells it
// without racing its start (run with -race).
func TestRootsChangeWhileAServerStarts(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g, err := New([]Backend{memBackend{}}, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			g.rootsChanged(ctx, nil)
		}
	}()
	if _, err := g.downs[0].session(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// memBackend runs an in-memory server with one tool.
type memBackend struct{}

func (memBackend) Name() string { return "mem" }

func (memBackend) Start(ctx context.Context) (Process, error) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "mem", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Echoes its text."}, func(context.Context, *mcp.CallToolRequest, struct{ Text string }) (*mcp.CallToolResult, any, error) {
		return nil, nil, nil
	})
	clientEnd, serverEnd := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, serverEnd, nil)
	if err != nil {
		return nil, err
	}
	return &memProc{ss: ss, transport: clientEnd, done: make(chan struct{})}, nil
}

type memProc struct {
	ss        *mcp.ServerSession
	transport mcp.Transport
	done      chan struct{}
	once      sync.Once
}

func (p *memProc) Transport() mcp.Transport { return p.transport }
func (p *memProc) Done() <-chan struct{}    { return p.done }
func (p *memProc) Err() error               { return nil }
func (p *memProc) Stop(context.Context) error {
	p.once.Do(func() { p.ss.Close(); close(p.done) })
	return nil
}
