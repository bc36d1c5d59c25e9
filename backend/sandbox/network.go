package sandbox

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/moby/moby/client"
)

// serverAlias is the name a server speaking HTTP has on its private network.
const serverAlias = "mcp"

// createNetwork makes a private network for one server and its helpers,
// and returns its name and subnet. It is internal (no route out) and the
// host has no address on it, so the server cannot reach the host's own
// services either; its helpers are its only peers.
func (e *Engine) createNetwork(ctx context.Context, server string, labels map[string]string) (string, netip.Prefix, error) {
	name := "bulkhead-" + server + "-" + randomHex(3)
	_, err := e.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver:   "bridge",
		Internal: true,
		Options: map[string]string{
			"com.docker.network.bridge.inhibit_ipv4": "true",
			"com.docker.network.bridge.enable_icc":   "true",
		},
		Labels: labels,
	})
	if err != nil {
		return "", netip.Prefix{}, fmt.Errorf("create a private network for %s: %s", server, oneLine(err))
	}
	info, err := e.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if err == nil && (len(info.Network.IPAM.Config) == 0 || !info.Network.IPAM.Config[0].Subnet.IsValid()) {
		err = fmt.Errorf("the engine gave it no subnet")
	}
	if err != nil {
		e.removeNetwork(context.WithoutCancel(ctx), name)
		return "", netip.Prefix{}, fmt.Errorf("inspect the private network of %s: %s", server, oneLine(err))
	}
	return name, info.Network.IPAM.Config[0].Subnet, nil
}

// reapNetworks removes this home's networks whose owner is gone.
func (e *Engine) reapNetworks(ctx context.Context, alive func(instance string) bool) (int, error) {
	f := client.Filters{}.Add("label", LabelManaged+"=true", LabelHome+"="+e.homeID)
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list networks: %s", oneLine(err))
	}
	n := 0
	for _, nw := range res.Items {
		if alive(nw.Labels[LabelInstance]) {
			continue
		}
		if err := e.removeNetwork(ctx, nw.Name); err != nil {
			return n, fmt.Errorf("remove leftover network %s: %s", nw.Name, oneLine(err))
		}
		n++
	}
	return n, nil
}
