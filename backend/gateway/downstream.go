package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

// Restart back-off: a server that crashes once restarts at once; one that
// keeps crashing waits longer each time, up to maxBackoff. A session that
// lived stableAfter resets the count.
const (
	startTimeout = 2 * time.Minute
	baseBackoff  = 500 * time.Millisecond
	maxBackoff   = 30 * time.Second
	stableAfter  = time.Minute
)

// downstream is one server behind the gateway: at most one running process
// and one MCP session, shared by every client.
type downstream struct {
	g       *Gateway
	name    string
	backend Backend
	client  *mcp.Client // made with the downstream, so reading it needs no lock

	flood *floodGate

	// guarded by g.mu
	pub       published
	withheld  map[string]trust.Verdict // by exposed name: tools and prompts a person has not approved
	toolFacts map[string]toolFacts     // by original name: what policy needs of tools shown
	logs      tally                    // the server's log messages (see passLog)

	mu       sync.Mutex // guards what follows
	cs       *mcp.ClientSession
	proc     Process
	ended    chan struct{} // closed when cs or proc ends
	cleared  chan struct{} // closed once watch has reset cs after that
	starting chan struct{}
	startErr error
	started  time.Time
	failures int
	retryAt  time.Time
	closed   bool
	off      bool // stopped by a person

	resyncing, resyncPending bool
	last                     *snapshot // what the server last offered, before review

	reviewMu sync.Mutex
}

// session returns the live session, starting the server when it is not
// running. Concurrent callers share one start. Why it cannot is an
// unavailable server to the client.
func (d *downstream) session(ctx context.Context) (*mcp.ClientSession, error) {
	cs, err := d.connect(ctx)
	if err != nil && ctx.Err() == nil {
		err = coded(CodeUnavailable, err)
	}
	return cs, err
}

func (d *downstream) connect(ctx context.Context) (*mcp.ClientSession, error) {
	d.mu.Lock()
	if d.off {
		d.mu.Unlock()
		return nil, fmt.Errorf("server %q is stopped: start it in Bulkhead first", d.name)
	}
	if d.cs != nil {
		cs, ended, cleared := d.cs, d.ended, d.cleared
		d.mu.Unlock()
		select {
		case <-ended: // died a moment ago: wait for the clean-up, then restart
		default:
			return cs, nil
		}
		select {
		case <-cleared:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return d.connect(ctx)
	}
	if d.closed {
		d.mu.Unlock()
		return nil, fmt.Errorf("server %q: the gateway is shutting down", d.name)
	}
	if d.starting == nil {
		if wait := time.Until(d.retryAt); wait > 0 {
			err := d.startErr
			d.mu.Unlock()
			return nil, fmt.Errorf("server %q failed %d times in a row and restarts in %s: %v", d.name, d.failures, wait.Round(time.Second), err)
		}
		d.starting = make(chan struct{})
		go d.start(d.starting)
	}
	starting := d.starting
	d.mu.Unlock()
	select {
	case <-starting:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cs == nil {
		return nil, d.startErr
	}
	return d.cs, nil
}

func (d *downstream) start(done chan struct{}) {
	ctx, cancel := context.WithTimeout(d.g.ctx, startTimeout)
	defer cancel()
	proc, err := d.backend.Start(ctx)
	var cs *mcp.ClientSession
	if err == nil {
		cs, err = d.client.Connect(ctx, proc.Transport(func(msg []byte) { d.g.sawMessage(d, msg) }), &mcp.ClientSessionOptions{ProtocolVersion: downstreamVersion})
		if err != nil {
			proc.Stop(context.WithoutCancel(ctx))
			if perr := proc.Err(); perr != nil {
				err = perr // the server's own failure says more than the broken pipe
			}
			err = fmt.Errorf("server %q did not complete the MCP handshake: %w", d.name, err)
		}
	}
	if err == nil {
		d.g.applyLevel(ctx, cs)
		if err = d.sync(ctx, cs); err != nil {
			cs.Close()
			proc.Stop(context.WithoutCancel(ctx))
		}
	}
	d.mu.Lock()
	d.starting = nil
	if err != nil {
		d.startErr = err
		d.failed()
	} else {
		d.cs, d.proc, d.started = cs, proc, time.Now()
		d.ended, d.cleared = make(chan struct{}), make(chan struct{})
		go d.watch(cs, proc, d.ended, d.cleared)
	}
	d.mu.Unlock()
	close(done)
	if err != nil {
		d.g.log.Warn("server failed to start", "server", d.name, "err", err)
	}
}

// failed counts a failure and sets when the next start may happen. Called
// with mu held.
func (d *downstream) failed() {
	if !d.started.IsZero() && time.Since(d.started) > stableAfter {
		d.failures = 0
	}
	d.failures++
	delay := time.Duration(0)
	if d.failures > 1 {
		delay = min(maxBackoff, baseBackoff<<(d.failures-2))
	}
	d.retryAt = time.Now().Add(delay)
}

// watch waits for the session or the process to end, then clears the way
// for a restart (by itself in eager mode, else on the next request).
func (d *downstream) watch(cs *mcp.ClientSession, proc Process, ended, cleared chan struct{}) {
	sessionOver := make(chan struct{})
	go func() { cs.Wait(); close(sessionOver) }()
	if statelessServer(cs) {
		go d.keepAlive(cs, sessionOver)
	}
	select {
	case <-sessionOver:
	case <-proc.Done():
	}
	close(ended)
	cs.Close()
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	proc.Stop(stopCtx)
	cancel()

	retryAt, restart := d.reset(cs, proc)
	close(cleared)
	if restart && d.g.opts.Eager {
		d.restart(retryAt)
	}
}

// keepAlive watches a server of a stateless revision, whose session the
// SDK does not ping: ping left the protocol at 2026-07-28, but any answer,
// an error too, shows the server alive. One that lets a ping time out, as
// the SDK's watch allows for earlier revisions, is frozen: its session is
// closed, and the server replaced.
func (d *downstream) keepAlive(cs *mcp.ClientSession, over <-chan struct{}) {
	tick := time.NewTicker(d.g.opts.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-over:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(d.g.ctx, d.g.opts.KeepAlive/2)
		err := cs.Ping(ctx, nil)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			d.g.log.Warn("server stopped answering; replacing it", "server", d.name)
			cs.Close()
			return
		}
	}
}

// restart brings an ended server back without waiting for a client to ask,
// trying again after each failure, with the back-off, until it runs, a
// person stops it or the gateway closes: servers that went down with the
// engine come back when it does.
func (d *downstream) restart(at time.Time) {
	for {
		select {
		case <-time.After(time.Until(at)):
		case <-d.g.ctx.Done():
			return
		}
		if _, err := d.session(d.g.ctx); err == nil {
			return
		}
		d.mu.Lock()
		over := d.closed || d.off
		at = d.retryAt
		d.mu.Unlock()
		if over {
			return
		}
	}
}

// settleWait bounds how long a failed call waits to learn that its server ended.
const settleWait = 5 * time.Second

// settle waits, briefly, for the session cs to be over and cleared away,
// and returns why its server ended; nil if it is still running.
func (d *downstream) settle(cs *mcp.ClientSession) error {
	d.mu.Lock()
	current, cleared := d.cs == cs, d.cleared
	d.mu.Unlock()
	if current {
		select {
		case <-cleared:
		case <-time.After(settleWait):
			return nil
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.startErr
}

// reset forgets an ended session and says when a restart may happen.
func (d *downstream) reset(cs *mcp.ClientSession, proc Process) (retryAt time.Time, restart bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cs != cs {
		return time.Time{}, false
	}
	d.cs, d.proc = nil, nil
	d.startErr = proc.Err()
	if d.startErr == nil {
		d.startErr = fmt.Errorf("server %q ended its session", d.name)
	}
	d.failed()
	if d.closed || d.off {
		return time.Time{}, false
	}
	d.g.log.Warn("server ended; it will be restarted", "server", d.name, "err", d.startErr)
	return d.retryAt, true
}

// stop ends the server for good. A start under way is waited for (the
// gateway's context, cancelled first, cuts it short), so a server that was
// coming up is not left running.
func (d *downstream) stop(ctx context.Context) {
	d.mu.Lock()
	d.closed = true
	starting := d.starting
	d.mu.Unlock()
	if starting != nil {
		select {
		case <-starting:
		case <-ctx.Done():
		}
	}
	d.mu.Lock()
	cs, proc := d.cs, d.proc
	d.cs, d.proc = nil, nil
	d.mu.Unlock()
	// Closing the session waits for what the server asked of the client
	// (roots, sampling) to be answered, which may be never: the process is
	// stopped meanwhile, and its end ends the session.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		if cs != nil {
			cs.Close()
		}
	}()
	if proc != nil {
		proc.Stop(ctx)
	}
	select {
	case <-closed:
	case <-ctx.Done():
	}
}

// resync re-reads what the server offers after it announced a change.
func (d *downstream) resync() {
	d.mu.Lock()
	cs := d.cs
	d.mu.Unlock()
	if cs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(d.g.ctx, time.Minute)
	defer cancel()
	if err := d.sync(ctx, cs); err != nil {
		d.g.log.Warn("re-listing failed", "server", d.name, "err", err)
	}
}

// sync lists everything the server offers and publishes it upstream.
func (d *downstream) sync(ctx context.Context, cs *mcp.ClientSession) error {
	snap, err := list(ctx, cs)
	if err != nil {
		return fmt.Errorf("server %q: %w", d.name, err)
	}
	d.mu.Lock()
	d.last = &snap
	d.mu.Unlock()
	return d.g.review(ctx, d)
}

// list reads everything a server offers.
func list(ctx context.Context, cs *mcp.ClientSession) (snapshot, error) {
	caps := cs.InitializeResult().Capabilities
	snap := snapshot{instructions: cs.InitializeResult().Instructions, info: cs.InitializeResult().ServerInfo}
	if caps.Tools != nil {
		for t, err := range cs.Tools(ctx, nil) {
			if err != nil {
				return snap, fmt.Errorf("list tools: %w", err)
			}
			snap.tools = append(snap.tools, t)
		}
	}
	if caps.Prompts != nil {
		for p, err := range cs.Prompts(ctx, nil) {
			if err != nil {
				return snap, fmt.Errorf("list prompts: %w", err)
			}
			snap.prompts = append(snap.prompts, p)
		}
	}
	if caps.Resources != nil {
		for r, err := range cs.Resources(ctx, nil) {
			if err != nil {
				return snap, fmt.Errorf("list resources: %w", err)
			}
			snap.resources = append(snap.resources, r)
		}
		for t, err := range cs.ResourceTemplates(ctx, nil) {
			if err != nil {
				return snap, fmt.Errorf("list resource templates: %w", err)
			}
			snap.templates = append(snap.templates, t)
		}
	}
	return snap, nil
}

// lastSnapshot is what the server last offered, if it has been listed.
func (d *downstream) lastSnapshot() (snapshot, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last == nil {
		return snapshot{}, false
	}
	return *d.last, true
}
