package sandbox

import (
	"context"
	"fmt"
	"maps"
	"time"
)

// launchHTTP starts a server that speaks streamable HTTP inside its
// container. No port is published: the server and a relay share a private
// network, and the relay carries the traffic over its attached stdio. On any
// failure nothing is left behind.
func (e *Engine) launchHTTP(ctx context.Context, spec Spec, labels map[string]string, log *ServerLog) (*Sandbox, error) {
	if spec.HTTP == nil {
		return nil, fmt.Errorf("server %q speaks HTTP but names no port; add `http: {port: N}` to its catalog entry", spec.Server)
	}
	helper, err := e.helperImage(ctx)
	if err != nil {
		return nil, fmt.Errorf("server %q speaks HTTP inside its container and needs Bulkhead's relay: %w", spec.Server, err)
	}
	network, err := e.createNetwork(ctx, spec.Server, labels)
	if err != nil {
		return nil, err
	}
	cleanup := context.WithoutCancel(ctx)
	s, err := e.launch(ctx, spec, labels, placement{network: network, alias: serverAlias}, log)
	if err != nil {
		e.removeNetwork(cleanup, network)
		return nil, err
	}
	relayLabels := maps.Clone(labels)
	relayLabels[LabelRole] = "relay"
	relayLabels[LabelImage] = helper.Ref
	relay, err := e.launch(ctx, relaySpec(spec, helper), relayLabels, placement{network: network, stdin: true}, log)
	if err != nil {
		s.stopping.Store(true)
		s.terminate(cleanup)
		<-s.gone
		e.removeNetwork(cleanup, network)
		return nil, err
	}
	s.relay, s.network = relay, network
	go s.watchPair()
	return s, nil
}

// watchPair ends both containers when either ends, then removes their
// network. The server's exit is the pair's, unless the relay went first.
func (s *Sandbox) watchPair() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case <-s.gone:
		s.relay.stopping.Store(true)
		s.relay.attach.CloseWrite()
		s.relay.terminate(ctx)
		<-s.relay.gone
	case <-s.relay.gone:
		stopping := s.stopping.Load()
		s.stopping.Store(true)
		s.terminate(ctx)
		<-s.gone
		if !stopping {
			s.exit = s.relay.exit
			s.exit.Relay = true
		}
	}
	s.engine.removeNetwork(ctx, s.network)
	s.log.Close()
	close(s.done)
}
