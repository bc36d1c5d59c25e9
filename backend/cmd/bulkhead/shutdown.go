package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Once told to end (a signal, or its client going away), a command that
// runs servers ends them all within shutdownBudget: MCP clients kill a
// server that takes more than a few seconds, and a killed Bulkhead leaves
// its containers until the next run. Servers get stopGrace to stop as MCP
// asks (input closed, then SIGTERM, then SIGKILL); then whatever container
// or network of this process is still there is removed by force. Only an
// engine too slow to answer in time (a busy machine) makes the end take
// longer, up to removalLimit: a container it is still creating would
// otherwise appear after Bulkhead is gone.
const (
	shutdownBudget = 4 * time.Second
	stopGrace      = 2500 * time.Millisecond
	removalLimit   = 30 * time.Second
)

// shutDown runs stop (the gateway's Close, a sandbox's Stop) with
// stopGrace, then removes by force what is left of this process on the
// engine, all within shutdownBudget. why is what ended the command, said
// on stderr with how the shutdown went; "" when the client simply left,
// which is said only if something had to be removed by force. A second
// signal changes nothing: the end is already bounded, and cutting it short
// would leave containers.
func (a *app) shutDown(why string, stop func(context.Context)) error {
	start := time.Now()
	if why != "" {
		fmt.Fprintf(a.stderr, "bulkhead: shutting down (%s): servers get %s to stop, then what is left is removed\n", why, stopGrace)
	}
	budget, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	grace, cancelGrace := context.WithTimeout(budget, stopGrace)
	defer cancelGrace()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		stop(grace)
	}()
	select {
	case <-stopped:
	case <-grace.Done():
	}
	left := nothingLeft
	if a.eng != nil {
		removal, cancel := context.WithDeadline(context.Background(), start.Add(removalLimit))
		defer cancel()
		containers, networks, err := a.eng.Shutdown(removal)
		if err != nil {
			return fmt.Errorf("could not remove all of this run's containers and networks within %s (%s); the next run removes them", removalLimit, oneLine(err.Error()))
		}
		if containers+networks > 0 {
			left = fmt.Sprintf("removed %d container(s) and %d network(s) by force", containers, networks)
		}
	}
	select {
	case <-stopped:
	case <-budget.Done():
	}
	took := time.Since(start)
	if took > shutdownBudget {
		left += fmt.Sprintf(" (past the %s budget: the Docker Engine was slow to answer)", shutdownBudget)
	}
	if why != "" || left != nothingLeft {
		fmt.Fprintf(a.stderr, "bulkhead: shut down in %s; %s\n", took.Round(time.Millisecond), left)
	}
	return nil
}

const nothingLeft = "nothing was left"

// endedBy names the signal that cancelled ctx; "" if none did: the client
// left, or the command failed (its error says why).
func endedBy(ctx context.Context) string {
	if ctx.Err() != nil {
		return context.Cause(ctx).Error()
	}
	return ""
}

// together runs every stop at once and returns when all have.
func together(stops ...func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, stop := range stops {
			wg.Go(func() { stop(ctx) })
		}
		wg.Wait()
	}
}

// untilDone reads r until ctx ends, then ends as if r had: a client that
// signals without closing stdin ends its session like one that closed it,
// which cancels whatever the session was handling.
func untilDone(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	context.AfterFunc(ctx, func() { pw.Close() })
	return pr
}

// closeHTTP lets requests under way finish while ctx lasts, then closes
// every connection: streams (a client's SSE) would stay open otherwise.
func closeHTTP(srv *http.Server) func(context.Context) {
	return func(ctx context.Context) {
		srv.Shutdown(ctx)
		srv.Close()
	}
}

// surviveBrokenPipes keeps a command alive when its client goes away:
// writing to a closed stdout or stderr then fails instead of killing the
// process (SIGPIPE) before it has removed its containers.
func surviveBrokenPipes() { signal.Ignore(syscall.SIGPIPE) }

// untilSignal runs serve until it returns or ctx ends: a helper container
// (relay, egress proxy) ends at SIGTERM, at once.
func untilSignal(ctx context.Context, serve func() error) error {
	done := make(chan error, 1)
	go func() { done <- serve() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return nil
	}
}
