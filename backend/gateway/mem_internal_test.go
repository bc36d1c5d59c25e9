package gateway

import (
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// sessionRevisions are the revisions with sessions, in which a server asks
// its client in the middle of a request: what the servers of most tests
// speak, as they ask that way.
var sessionRevisions = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// memBackend runs an in-memory server: one echo tool, and whatever add
// puts on it. It speaks revisions up to 2025-11-25, as the servers these
// tests stand for do (they ask their client mid-request), unless
// stateless lets it speak 2026-07-28 too.
type memBackend struct {
	name      string
	add       func(*mcp.Server)
	opts      *mcp.ServerOptions
	info      func() *mcp.Implementation // what it says it is, at each start
	stateless bool
}

func (b memBackend) Name() string { return b.name }

func (b memBackend) Start(ctx context.Context) (Process, error) {
	info := &mcp.Implementation{Name: b.name, Version: "1"}
	if b.info != nil {
		info = b.info()
	}
	opts := &mcp.ServerOptions{}
	if b.opts != nil {
		*opts = *b.opts
	}
	if !b.stateless && opts.SupportedProtocolVersions == nil {
		opts.SupportedProtocolVersions = sessionRevisions
	}
	srv := mcp.NewServer(info, opts)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Echoes its text."}, func(_ context.Context, _ *mcp.CallToolRequest, in struct{ Text string }) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: in.Text}}}, nil, nil
	})
	if b.add != nil {
		b.add(srv)
	}
	return pipedProc(ctx, srv, b.name, io.Discard, nil)
}

// pipedProc connects srv over pipes, read through the same guard as a
// sandbox's stdout; wrap, if not nil, wraps what srv writes.
func pipedProc(ctx context.Context, srv *mcp.Server, name string, log io.Writer, wrap func(io.WriteCloser) io.WriteCloser) (*memProc, error) {
	toServer, fromClient := io.Pipe()
	fromServer, toClient := io.Pipe()
	var out io.WriteCloser = toClient
	if wrap != nil {
		out = wrap(toClient)
	}
	ss, err := srv.Connect(ctx, &mcp.IOTransport{Reader: toServer, Writer: out}, nil)
	if err != nil {
		return nil, err
	}
	return &memProc{ss: ss, done: make(chan struct{}), transport: func(seen func([]byte)) mcp.Transport {
		return guardedStdio(name, fromServer, fromClient, log, seen)
	}}, nil
}

type memProc struct {
	ss        *mcp.ServerSession
	transport func(seen func([]byte)) mcp.Transport
	done      chan struct{}
	once      sync.Once
}

func (p *memProc) Transport(seen func([]byte)) mcp.Transport { return p.transport(seen) }
func (p *memProc) Done() <-chan struct{}                     { return p.done }
func (p *memProc) Err() error                                { return nil }
func (p *memProc) Stop(context.Context) error {
	p.once.Do(func() { p.ss.Close(); close(p.done) })
	return nil
}

// memGateway serves backends through a gateway on a fresh store, with
// the options made for it, and connects a client to it.
func memGateway(t *testing.T, options func(*store.Store) Options, backends ...Backend) (*Gateway, *mcp.ClientSession) {
	t.Helper()
	return memGatewayWith(t, mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil), options, backends...)
}

// memGatewayWith is memGateway with the client given.
func memGatewayWith(t *testing.T, client *mcp.Client, options func(*store.Store) Options, backends ...Backend) (*Gateway, *mcp.ClientSession) {
	t.Helper()
	return memGatewayAt(t, sessionVersion, client, options, backends...)
}

// sessionVersion is the revision these tests' clients speak unless they
// say otherwise: the last with sessions, in which a server may ask its
// client in the middle of a request, as most of them do.
const sessionVersion = "2025-11-25"

// memGatewayAt is memGatewayWith with the client speaking version.
func memGatewayAt(t *testing.T, version string, client *mcp.Client, options func(*store.Store) Options, backends ...Backend) (*Gateway, *mcp.ClientSession) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var opts Options
	if options != nil {
		opts = options(st)
	}
	opts.Store = st
	g, err := New(backends, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	serverEnd, clientEnd := mcp.NewInMemoryTransports()
	if _, err := g.Server().Connect(ctx, serverEnd, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := client.Connect(ctx, clientEnd, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.InitializeResult().ProtocolVersion; got != version {
		t.Fatalf("the client speaks %s, not %s", got, version)
	}
	t.Cleanup(func() { cs.Close() })
	return g, cs
}
