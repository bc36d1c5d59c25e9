package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"

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
	// Created whatever becomes of ctx, as containers are (launch).
	if err := e.beginCreate(); err != nil {
		return "", netip.Prefix{}, err
	}
	createCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	_, err := e.cli.NetworkCreate(createCtx, name, client.NetworkCreateOptions{
		Driver:   "bridge",
		Internal: true,
		Options: map[string]string{
			"com.docker.network.bridge.inhibit_ipv4": "true",
			"com.docker.network.bridge.enable_icc":   "true",
		},
		Labels: labels,
	})
	cancel()
	e.creating.Done()
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

// hostAddresses are the Docker host's own addresses, which no granted name
// may lead to: every network's gateway as the engine has it (the first
// address of its subnet where the engine leaves the gateway out, as 20.10
// does for the default bridge), and the addresses of this machine's
// interfaces, which are the host's where Bulkhead runs on it. Where it
// does not (Docker Desktop), the gateways are the part that applies.
func (e *Engine) hostAddresses(ctx context.Context) ([]netip.Addr, error) {
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the engine's networks to find the host's own addresses: %s", oneLine(err))
	}
	var addrs []netip.Addr
	for _, nw := range res.Items {
		for _, c := range nw.IPAM.Config {
			switch {
			case c.Gateway.IsValid():
				addrs = append(addrs, c.Gateway.Unmap())
			case c.Subnet.IsValid():
				addrs = append(addrs, c.Subnet.Masked().Addr().Next())
			}
		}
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list this machine's addresses: %v", err)
	}
	for _, a := range ifaddrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		// Every container's veth has a link-local address; the proxy refuses
		// those through a name anyway.
		if ip, ok := netip.AddrFromSlice(ipnet.IP); ok && !ip.Unmap().IsLinkLocalUnicast() {
			addrs = append(addrs, ip.Unmap())
		}
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return slices.Compact(addrs), nil
}
