package main

import "context"

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
