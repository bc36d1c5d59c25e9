package gateway

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// A client's roots change while a server starts: the gateway tells it
// without racing its start (run with -race).
func TestRootsChangeWhileAServerStarts(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g, err := New([]Backend{memBackend{name: "mem"}}, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
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
