package sandbox

import (
	"context"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// remove deletes a container, whatever its state; one already gone or
// already being removed is not an error. One the engine could not remove
// is tried again until it goes (see removeEventually).
func (e *Engine) remove(ctx context.Context, id string) error {
	return e.removeEventually(ctx, func(ctx context.Context) error { return e.removeContainer(ctx, id) })
}

func (e *Engine) removeContainer(ctx context.Context, id string) error {
	_, err := e.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err == nil || cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
		return nil
	}
	return err
}

// removeNetwork deletes a network, trying again later as remove does.
func (e *Engine) removeNetwork(ctx context.Context, name string) error {
	return e.removeEventually(ctx, func(ctx context.Context) error { return e.removeNetworkNow(ctx, name) })
}

func (e *Engine) removeNetworkNow(ctx context.Context, name string) error {
	_, err := e.cli.NetworkRemove(ctx, name, client.NetworkRemoveOptions{})
	if err == nil || cerrdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// retryRemoveMax caps the wait between attempts to remove a leftover.
const retryRemoveMax = 30 * time.Second

// removeEventually removes now and reports how that went; on failure it
// keeps asking in the background until removal succeeds or the engine is
// closed. A removal fails when the engine is away, restarting or shutting
// down; what it left would otherwise stay until a later Bulkhead process
// reaps it, and every leftover network holds one of the engine's few
// address pools.
func (e *Engine) removeEventually(ctx context.Context, remove func(context.Context) error) error {
	err := remove(ctx)
	if err == nil {
		return nil
	}
	go func() {
		for delay := time.Second; ; delay = min(2*delay, retryRemoveMax) {
			select {
			case <-time.After(delay):
			case <-e.closed:
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := remove(ctx)
			cancel()
			if err == nil {
				return
			}
		}
	}()
	return err
}
