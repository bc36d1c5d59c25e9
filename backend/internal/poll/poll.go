// Package poll runs a check at a steady interval, for the state other
// Bulkhead processes share through the database (decisions, settings,
// pins, what the UI shows), which nothing announces.
package poll

import (
	"context"
	"time"
)

// Every calls check every interval until ctx ends; the first call comes
// one interval after the start.
func Every(ctx context.Context, interval time.Duration, check func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			check(ctx)
		}
	}
}
