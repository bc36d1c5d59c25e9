package sandbox

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"time"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// outsideNetwork is where an egress proxy reaches the world from: the
// engine's default bridge. The proxy listens only on the internal network,
// so other containers on the bridge cannot use it.
const outsideNetwork = "bridge"

// launchNetworked starts a server that needs a network: one that speaks
// HTTP inside its container, or one granted egress. The server joins an
// internal network (no route out, no host address). A relay on it carries
// HTTP over its attached stdio, so no port is published; an egress proxy on
// it and on the outside network is the only way out, to the granted
// destinations, whether the server uses the proxy settings or dials a
// granted name, which resolves to the proxy. On any failure nothing is left behind.
func (e *Engine) launchNetworked(ctx context.Context, spec Spec, labels map[string]string, log *ServerLog) (*Sandbox, error) {
	if spec.Transport == catalog.TransportHTTP && spec.HTTP == nil {
		return nil, fmt.Errorf("server %q speaks HTTP but names no port; add `http: {port: N}` to its catalog entry", spec.Server)
	}
	helper, err := e.helperImage(ctx)
	if err != nil {
		return nil, fmt.Errorf("server %q needs Bulkhead's helper container (relay or egress proxy): %w", spec.Server, err)
	}
	network, subnet, err := e.createNetwork(ctx, spec.Server, labels)
	if err != nil {
		return nil, err
	}
	var started []*Sandbox
	fail := func(err error) (*Sandbox, error) {
		cleanup := context.WithoutCancel(ctx)
		for _, c := range started {
			c.stopping.Store(true)
			c.terminate(cleanup, termGrace)
			<-c.gone
		}
		e.removeNetwork(cleanup, network)
		return nil, err
	}

	p := placement{network: network, alias: serverAlias, stdin: spec.Transport == catalog.TransportStdio}
	var proxy *Sandbox
	if !spec.Network.None() {
		host, err := e.hostAddresses(ctx)
		if err != nil {
			return fail(fmt.Errorf("server %q: %w", spec.Server, err))
		}
		proxy, err = e.launch(ctx, egressSpec(spec, helper, subnet, host), withRole(labels, roleEgress, helper),
			placement{network: network, outside: outsideNetwork, hosts: e.proxyHosts, sysctls: proxySysctls, events: e.egressLog(spec.Server, log)}, log)
		if err != nil {
			return fail(err)
		}
		started = append(started, proxy)
		addr, err := e.addressOn(ctx, proxy.ID, network)
		if err != nil {
			return fail(fmt.Errorf("server %q: find its egress proxy: %s", spec.Server, oneLine(err)))
		}
		p.env, p.hosts = proxyEnv(addr), namesToProxy(spec.Network.Allow, addr)
	}
	s, err := e.launch(ctx, spec, labels, p, log)
	if err != nil {
		return fail(err)
	}
	started = append(started, s)
	var relay *Sandbox
	if spec.Transport == catalog.TransportHTTP {
		relay, err = e.launch(ctx, relaySpec(spec, helper), withRole(labels, roleRelay, helper), placement{network: network, stdin: true}, log)
		if err != nil {
			return fail(err)
		}
	}
	s.relay, s.proxy, s.network = relay, proxy, network
	go s.watchGroup()
	return s, nil
}

func withRole(labels map[string]string, role string, helper Image) map[string]string {
	l := maps.Clone(labels)
	l[LabelRole] = role
	l[LabelImage] = helper.Ref
	return l
}

// addressOn is a container's address on network.
func (e *Engine) addressOn(ctx context.Context, id, network string) (netip.Addr, error) {
	info, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return netip.Addr{}, err
	}
	if ns := info.Container.NetworkSettings; ns != nil {
		if ep := ns.Networks[network]; ep != nil && ep.IPAddress.IsValid() {
			return ep.IPAddress, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("it has no address on %s", network)
}

// helpers are the containers that serve s, started before or after it.
func (s *Sandbox) helpers() []*Sandbox {
	var h []*Sandbox
	for _, c := range []*Sandbox{s.relay, s.proxy} {
		if c != nil {
			h = append(h, c)
		}
	}
	return h
}

// watchGroup ends the server and its helpers when any of them ends, then
// removes their network. The server's exit is the group's, unless a helper
// went first: a server without its proxy has no way out, and without its
// relay no way in.
func (s *Sandbox) watchGroup() {
	members := append([]*Sandbox{s}, s.helpers()...)
	first := make(chan *Sandbox, len(members))
	for _, m := range members {
		go func() { <-m.gone; first <- m }()
	}
	ended := <-first
	stopping := s.stopping.Load()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, m := range members {
		if m == ended {
			continue
		}
		m.stopping.Store(true)
		if m == s.relay {
			m.attach.CloseWrite()
		}
		m.terminate(ctx, termGrace)
	}
	for _, m := range members {
		<-m.gone
	}
	if ended != s && !stopping {
		s.exit = ended.exit
		s.exit.Helper = ended.role
	}
	s.engine.removeNetwork(ctx, s.network)
	s.log.Close()
	close(s.done)
}
