package gateway_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// An eager gateway brings back a server that ended, and keeps trying while
// it cannot start (the engine away), with no client asking.
// TestServersComeBackAfterAnEngineRestart (make faults) does the same with
// a real engine stopped and started.
func TestAnEagerGatewayKeepsRestartingAServerUntilItRuns(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &flakyBackend{}
	g, err := gateway.New([]gateway.Backend{b}, gateway.Options{Eager: true, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	g.Start(ctx)
	if started, _ := b.counts(); started != 1 {
		t.Fatalf("started %d times at the gateway's start, want 1", started)
	}

	b.crash()
	testenv.WaitFor(t, "two failed restarts", func() bool { _, failed := b.counts(); return failed >= 2 })
	b.mu.Lock()
	b.down = false
	b.mu.Unlock()
	testenv.WaitFor(t, "the server to come back by itself", func() bool { started, _ := b.counts(); return started == 2 })
}

// flakyBackend runs an in-memory server; while down, starts fail.
type flakyBackend struct {
	mu              sync.Mutex
	down            bool
	started, failed int
	current         *memProcess
}

func (b *flakyBackend) Name() string { return "mem" }

func (b *flakyBackend) Start(ctx context.Context) (gateway.Process, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		b.failed++
		return nil, errors.New("the engine is away")
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: "mem", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Echoes its text."}, func(context.Context, *mcp.CallToolRequest, struct{ Text string }) (*mcp.CallToolResult, any, error) {
		return nil, nil, nil
	})
	clientEnd, serverEnd := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, serverEnd, nil)
	if err != nil {
		return nil, err
	}
	b.started++
	b.current = &memProcess{ss: ss, transport: clientEnd, done: make(chan struct{})}
	return b.current, nil
}

// crash ends the running server and makes starts fail.
func (b *flakyBackend) crash() {
	b.mu.Lock()
	b.down = true
	p := b.current
	b.mu.Unlock()
	p.end()
}

func (b *flakyBackend) counts() (started, failed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.started, b.failed
}

type memProcess struct {
	ss        *mcp.ServerSession
	transport mcp.Transport
	done      chan struct{}
	once      sync.Once
}

func (p *memProcess) Transport(func([]byte)) mcp.Transport { return p.transport }
func (p *memProcess) Done() <-chan struct{}                { return p.done }
func (p *memProcess) Err() error                           { return nil }
func (p *memProcess) Stop(context.Context) error           { p.end(); return nil }
func (p *memProcess) end()                                 { p.once.Do(func() { p.ss.Close(); close(p.done) }) }
