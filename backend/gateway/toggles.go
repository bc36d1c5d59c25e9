package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// A person's toggles live in the store, and any process may change them
// (the web UI, `bulkhead enable/disable`); watchApprovals reloads them when
// they change, so every running gateway follows within a poll:
//   - a tool hidden (`bulkhead disable SERVER/TOOL`) is never published, so
//     clients neither see nor call it;
//   - a server disabled, or stopped in the web UI, stops here too, and one
//     enabled again starts. Only changes count: a server named on the
//     command line but never enabled keeps running.

// loadToggles reads the toggles as they are now, and follows the servers
// whose enabled state changed since the last read.
func (g *Gateway) loadToggles(ctx context.Context) error {
	t, err := g.opts.Store.Toggles(ctx)
	if err != nil {
		return fmt.Errorf("read the server and tool toggles: %w", err)
	}
	if before := g.toggles.Swap(&t); before != nil {
		g.followServers(ctx, *before, t)
	}
	return nil
}

// followServers stops the servers disabled since before and starts those
// enabled again, lazy gateway or not: their tools come back with a list
// change, which clients hear without listing again. One at a time, in
// order, so a quick disable and enable end enabled.
func (g *Gateway) followServers(ctx context.Context, before, now store.Toggles) {
	for _, d := range g.downs {
		was, is := before.Servers[d.name], now.Servers[d.name]
		switch {
		case was == is:
		case !is:
			if err := g.StopServer(ctx, d.name); err != nil {
				g.log.Warn("stopping a server disabled elsewhere failed", "server", d.name, "err", err)
			}
		default:
			d.mu.Lock()
			d.off, d.retryAt = false, time.Time{}
			d.mu.Unlock()
			go d.session(g.ctx)
		}
	}
}

func (g *Gateway) toolHidden(server, tool string) bool {
	t := g.toggles.Load()
	return t != nil && t.ToolDisabled(server, tool)
}

// stateVersion changes when pins or toggles do, in any process.
func (g *Gateway) stateVersion(ctx context.Context) (string, error) {
	pins, err := g.opts.Store.PinsVersion(ctx)
	if err != nil {
		return "", err
	}
	toggles, err := g.opts.Store.TogglesVersion(ctx)
	return pins + " " + toggles, err
}
