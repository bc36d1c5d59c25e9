package gateway

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

// inspectTimeout bounds starting, initializing and listing one server.
const inspectTimeout = 2 * time.Minute

// Inspect starts a catalog server in its sandbox with none of its grants
// (no network, no host files), lists what it offers and stops it. Nothing
// is pinned: this is how a person looks at a server before trusting it.
func Inspect(ctx context.Context, eng *sandbox.Engine, e catalog.Entry, pull sandbox.PullPolicy, progress io.Writer) (defs []trust.Definition, err error) {
	ctx, cancel := context.WithTimeout(ctx, inspectTimeout)
	defer cancel()
	e.Permissions.Network, e.Permissions.Mounts = catalog.Network{}, nil
	_, spec, err := resolveSpec(ctx, eng, nil, e, pull, progress)
	if err != nil {
		return nil, err
	}
	sb, err := eng.Launch(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if stopErr := sb.Stop(stopCtx); err == nil && stopErr != nil {
			err = stopErr
		}
	}()
	c := mcp.NewClient(&mcp.Implementation{Name: "bulkhead-scan", Version: "1"}, nil)
	cs, err := c.Connect(ctx, sandboxProcess{sb}.Transport(nil), nil)
	if err != nil {
		return nil, fmt.Errorf("server %q did not start speaking MCP: %w", e.Name, err)
	}
	defer cs.Close()
	snap, err := list(ctx, cs)
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", e.Name, err)
	}
	return snap.definitions(), nil
}
