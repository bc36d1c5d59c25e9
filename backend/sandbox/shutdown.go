package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// errShuttingDown refuses what would be created once Shutdown began.
var errShuttingDown = errors.New("this Bulkhead is shutting down: nothing new starts")

// beginCreate counts a container or network about to be created, so that
// Shutdown can wait for it; once Shutdown began it refuses. The caller
// calls e.creating.Done when the engine has answered.
func (e *Engine) beginCreate() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shuttingDown {
		return errShuttingDown
	}
	e.creating.Add(1)
	return nil
}

// Shutdown removes, by force, every container and network this process
// made (by their instance label), however far their servers got in
// stopping. From now on nothing more is created; a creation under way is
// waited for and its container removed too, so none appears afterwards.
// It reports what it found left to remove; whatever it could not remove
// before ctx ended is the next reap's.
func (e *Engine) Shutdown(ctx context.Context) (containers, networks int, err error) {
	e.mu.Lock()
	e.shuttingDown = true
	in := e.instance
	e.mu.Unlock()
	if in == nil {
		return 0, 0, nil // nothing was ever launched
	}
	mine := client.Filters{}.Add("label", LabelHome+"="+e.homeID, LabelInstance+"="+in.id)
	containers, err = e.removeContainers(ctx, mine)
	created := make(chan struct{})
	go func() { e.creating.Wait(); close(created) }()
	select {
	case <-created:
	case <-ctx.Done():
		return containers, 0, fmt.Errorf("containers still being created: %w", ctx.Err())
	}
	// Until a pass finds nothing left: on a busy engine a container can
	// still be joining a network as it is removed, and the network then
	// refuses to go ("active endpoints") until the engine has caught up.
	for {
		late, lateErr := e.removeContainers(ctx, mine)
		containers += late
		n, netErr := e.removeNetworks(ctx, mine)
		if netErr == nil {
			networks += n
		}
		if lateErr == nil && netErr == nil && late == 0 {
			return containers, networks, nil
		}
		select {
		case <-ctx.Done():
			return containers, networks, errors.Join(err, lateErr, netErr, ctx.Err())
		case <-time.After(shutdownRetry):
		}
	}
}

// shutdownRetry is how long Shutdown waits before looking again for what
// it could not remove.
const shutdownRetry = 250 * time.Millisecond

// removeContainers force-removes every container matching f, all at once.
func (e *Engine) removeContainers(ctx context.Context, f client.Filters) (int, error) {
	res, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list containers: %s", oneLine(err))
	}
	errs := make([]error, len(res.Items))
	var wg sync.WaitGroup
	for i, c := range res.Items {
		wg.Go(func() { errs[i] = e.removeContainer(ctx, c.ID) })
	}
	wg.Wait()
	return len(res.Items), errors.Join(errs...)
}

// removeNetworks removes every network matching f; their containers are
// gone first.
func (e *Engine) removeNetworks(ctx context.Context, f client.Filters) (int, error) {
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list networks: %s", oneLine(err))
	}
	var errs []error
	for _, nw := range res.Items {
		errs = append(errs, e.removeNetworkNow(ctx, nw.Name))
	}
	return len(res.Items), errors.Join(errs...)
}
