// Package gateway is the single MCP endpoint clients connect to: it keeps
// one session per enabled server, each in its sandbox, publishes their
// tools, prompts and resources under stable names, and forwards requests
// and notifications both ways.
package gateway

import (
	"context"
	"fmt"
	"io"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/relay"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

// Backend starts one server.
type Backend interface {
	Name() string
	Start(ctx context.Context) (Process, error)
}

// Process is one running instance of a server.
type Process interface {
	// Transport speaks to the server; seen, if not nil, hears of each
	// message the server sends, as read off the wire, before the SDK
	// decodes it (see progress.go).
	Transport(seen func(msg []byte)) mcp.Transport
	Done() <-chan struct{}
	Err() error // why it ended; valid after Done
	Stop(ctx context.Context) error
}

// Sandboxed starts a catalog server in its sandbox.
type Sandboxed struct {
	Engine   *sandbox.Engine
	Store    *store.Store
	Secrets  SecretSource // nil: the server may declare no secrets
	Entry    catalog.Entry
	Pull     sandbox.PullPolicy
	Progress io.Writer // pull progress
}

// SecretSource gives a server the values of the secrets it declares.
type SecretSource interface {
	Values(ctx context.Context, server string, names []string) (map[string]string, error)
}

func (b *Sandboxed) Name() string { return b.Entry.Name }

func (b *Sandboxed) Start(ctx context.Context) (Process, error) {
	sb, err := b.Launch(ctx)
	if err != nil {
		return nil, err
	}
	return sandboxProcess{sb}, nil
}

// Launch refuses an unconfirmed look-alike of a verified server and a
// server whose secrets are not set before pulling anything, resolves the
// entry's image, checks its grants against this machine, its image and
// launch spec against their pins, then launches it. When the engine has
// gone away, that is what the error says, whichever step noticed.
func (b *Sandboxed) Launch(ctx context.Context) (*sandbox.Sandbox, error) {
	sb, err := b.launch(ctx)
	if err != nil && ctx.Err() == nil {
		if perr := b.Engine.Ping(ctx); perr != nil {
			return nil, fmt.Errorf("server %q cannot start: %w", b.Entry.Name, perr)
		}
	}
	return sb, err
}

func (b *Sandboxed) launch(ctx context.Context) (*sandbox.Sandbox, error) {
	e := b.Entry
	if err := trust.CheckLookalike(ctx, b.Store, e); err != nil {
		return nil, err
	}
	values, err := b.secretValues(ctx)
	if err != nil {
		return nil, err
	}
	img, spec, err := resolveSpec(ctx, b.Engine, b.Store, e, b.Pull, b.Progress)
	if err != nil {
		return nil, err
	}
	if err := trust.CheckImage(ctx, b.Store, e.Name, img); err != nil {
		return nil, err
	}
	if err := trust.CheckLaunch(ctx, b.Store, spec); err != nil {
		return nil, err
	}
	spec.Secrets = values
	return b.Engine.Launch(ctx, spec)
}

func (b *Sandboxed) secretValues(ctx context.Context) (map[string]string, error) {
	if len(b.Entry.Secrets) == 0 {
		return nil, nil
	}
	if b.Secrets == nil {
		return nil, fmt.Errorf("server %q needs secrets (%v) and this launch has no secret store", b.Entry.Name, b.Entry.Secrets)
	}
	return b.Secrets.Values(ctx, b.Entry.Name, b.Entry.Secrets)
}

// resolveSpec finds the entry's image, pulling per policy, checks the
// signature the entry requires (remembered in st, if given), and builds its
// hardened launch spec for this machine.
func resolveSpec(ctx context.Context, eng *sandbox.Engine, st *store.Store, e catalog.Entry, pull sandbox.PullPolicy, progress io.Writer) (sandbox.Image, sandbox.Spec, error) {
	if progress == nil {
		progress = io.Discard
	}
	img, err := eng.ResolveImage(ctx, e.Image, pull, progress)
	if err != nil {
		return img, sandbox.Spec{}, err
	}
	if err := trust.CheckSignature(ctx, st, e, img); err != nil {
		return img, sandbox.Spec{}, err
	}
	spec, err := sandbox.NewSpec(e, img, eng.Host())
	return img, spec, err
}

type sandboxProcess struct{ sb *sandbox.Sandbox }

// Transport speaks to the server over its attached stdio (guardedStdio). A
// server that speaks HTTP is reached through its relay, whose stdio carries
// the HTTP.
func (p sandboxProcess) Transport(seen func([]byte)) mcp.Transport {
	if h := p.sb.Spec.HTTP; p.sb.Spec.Transport == catalog.TransportHTTP && h != nil {
		client := relay.Client(p.sb.Stdout(), p.sb.Stdin())
		client.Transport = seeingEvents(client.Transport, seen)
		return &mcp.StreamableClientTransport{
			// The host is never dialed: every request rides the relay.
			Endpoint:     "http://" + p.sb.Spec.Server + h.Path,
			HTTPClient:   client,
			MaxEventSize: MaxMessageBytes,
		}
	}
	return guardedStdio(p.sb.Spec.Server, p.sb.Stdout(), p.sb.Stdin(), p.sb.Log(), seen)
}

// guardedStdio speaks to a server over its stdio. Lines that are not
// JSON-RPC (a banner, stray prints) are dropped and noted in its log
// rather than ending the session; a reply dropped (too large, too deep)
// fails the call waiting for it at once.
func guardedStdio(server string, stdout io.Reader, stdin io.WriteCloser, log io.Writer, seen func([]byte)) mcp.Transport {
	note := func(bad Dropped) []byte {
		fmt.Fprintf(log, "bulkhead: dropped a line the server wrote to stdout (%s): %s\n", bad.Reason, bad.Sample)
		if bad.ID == nil || bad.Request {
			return nil
		}
		return errorLine(bad.ID, CodeServerFailed, fmt.Sprintf("server %q sent a reply the gateway could not read (%s); it was dropped", server, bad.Reason))
	}
	return &mcp.IOTransport{Reader: newGuard(stdout, MaxMessageBytes, note, seen), Writer: stdin}
}

func (p sandboxProcess) Done() <-chan struct{}          { return p.sb.Done() }
func (p sandboxProcess) Err() error                     { return p.sb.Err() }
func (p sandboxProcess) Stop(ctx context.Context) error { return p.sb.Stop(ctx) }
