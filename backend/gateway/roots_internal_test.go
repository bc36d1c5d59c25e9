package gateway

import (
	"context"
	"sync"
	"testing"
)

// A client's roots change while a server starts: the gateway tells it
// without racing its start (run with -race).
func TestRootsChangeWhileAServerStarts(t *testing.T) {
	ctx := context.Background()
	g, _ := memGateway(t, nil, memBackend{name: "mem"})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			g.rootsChanged(ctx, nil)
		}
	}()
	if _, err := g.downs[0].session(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}
