package gateway

import (
	"context"
	"fmt"
)

// Tools a person hid (`bulkhead disable SERVER/TOOL`) are never published,
// so clients neither see nor call them. The toggles live in the store;
// watchApprovals reloads them when they change, so hiding a tool takes
// effect in a running gateway within a poll.

// loadToggles reads the toggles as they are now.
func (g *Gateway) loadToggles(ctx context.Context) error {
	t, err := g.opts.Store.Toggles(ctx)
	if err != nil {
		return fmt.Errorf("read tool toggles: %w", err)
	}
	g.toggles.Store(&t)
	return nil
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
