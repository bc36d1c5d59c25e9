package gateway

import (
	"context"
	"fmt"
	"time"
)

// A person may start and stop single servers of a running gateway (from
// the UI); a stopped server is not started by a client's request and shows
// nothing upstream until started again.

// StartServer starts a server (if it is not running) and publishes what it
// offers.
func (g *Gateway) StartServer(ctx context.Context, name string) error {
	d, err := g.downstream(name)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.off = false
	d.retryAt = time.Time{} // a person asked: no back-off
	d.mu.Unlock()
	_, err = d.session(ctx)
	return err
}

// StopServer stops a server's process and withdraws everything it offered.
func (g *Gateway) StopServer(ctx context.Context, name string) error {
	d, err := g.downstream(name)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.off = true // no new start from here on
	starting := d.starting
	d.mu.Unlock()
	if starting != nil {
		select {
		case <-starting:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d.mu.Lock()
	cs, proc, cleared := d.cs, d.proc, d.cleared
	d.mu.Unlock()
	if cs != nil {
		cs.Close()
	}
	if proc != nil {
		if err := proc.Stop(ctx); err != nil {
			return fmt.Errorf("stop server %q: %w", name, err)
		}
	}
	if cs != nil {
		// watch forgets the ended session; until it has, a start would be
		// handed the dead one.
		select {
		case <-cleared:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d.reviewMu.Lock()
	defer d.reviewMu.Unlock()
	d.mu.Lock()
	d.last = nil
	d.mu.Unlock()
	g.publish(d, snapshot{}, exposed{})
	g.mu.Lock()
	d.withheld, d.toolFacts = nil, nil
	g.mu.Unlock()
	return nil
}

// Stopped reports whether a person stopped the server.
func (g *Gateway) Stopped(name string) bool {
	d, err := g.downstream(name)
	if err != nil {
		return true
	}
	return d.stopped()
}

func (d *downstream) stopped() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.off
}

func (g *Gateway) downstream(name string) (*downstream, error) {
	d, ok := g.byName[name]
	if !ok {
		return nil, fmt.Errorf("server %q is not served by this gateway", name)
	}
	return d, nil
}
