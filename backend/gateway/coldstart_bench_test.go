package gateway_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// benchHome is an engine, a store and n catalog entries of the
// well-behaved server, named wb0, wb1, ...
func benchHome(b *testing.B, n int) (*sandbox.Engine, *store.Store, []catalog.Entry) {
	cli := testenv.RequireEngine(b)
	img := testenv.ServerImage(b, cli, "wellbehaved")
	doc := "version: 1\nservers:\n"
	for i := range n {
		doc += fmt.Sprintf("  - name: wb%d\n    image: %s\n", i, img)
	}
	entries, err := catalog.Parse([]byte(doc), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	home := b.TempDir()
	eng, err := sandbox.Connect(context.Background(), home)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(home, "bulkhead.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close(); st.Close() })
	return eng, st, entries
}

// BenchmarkColdStart measures, for a small server, the time from the
// request that needs it to the first tools/list answer: directly (launch
// the sandbox, initialize, list) and through a gateway that starts it on
// that first tools/list.
func BenchmarkColdStart(b *testing.B) {
	eng, st, entries := benchHome(b, 1)
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			start := time.Now()
			sb, err := (&gateway.Sandboxed{Engine: eng, Store: st, Entry: entries[0], Pull: sandbox.PullNever}).Launch(ctx)
			if err != nil {
				b.Fatal(err)
			}
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(ctx, &mcp.IOTransport{Reader: sb.Stdout(), Writer: sb.Stdin()}, nil)
			if err == nil {
				_, err = cs.ListTools(ctx, nil)
			}
			total += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cs.Close()
			sb.Stop(ctx)
			b.StartTimer()
		}
		reportStart(b, "direct", total)
	})
	b.Run("gateway", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			g, err := gateway.New([]gateway.Backend{&gateway.Sandboxed{Engine: eng, Store: st, Entry: entries[0], Pull: sandbox.PullNever}}, gateway.Options{Store: st})
			if err != nil {
				b.Fatal(err)
			}
			cs := inMemoryClient(b, g)
			start := time.Now()
			res, err := cs.ListTools(ctx, nil)
			total += time.Since(start)
			if err != nil || len(res.Tools) == 0 {
				b.Fatalf("tools/list: %v %v", res, err)
			}
			b.StopTimer()
			cs.Close()
			g.Close(ctx)
			b.StartTimer()
		}
		reportStart(b, "gateway", total)
	})
}

// BenchmarkGatewayMemory measures the gateway's own memory (Go heap and
// stacks in use) per running sandbox, with 1, 10 and 50 sandboxes started
// and listed.
func BenchmarkGatewayMemory(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprint("sandboxes=", n), func(b *testing.B) {
			eng, st, entries := benchHome(b, n)
			ctx := context.Background()
			var backends []gateway.Backend
			for _, e := range entries {
				backends = append(backends, &gateway.Sandboxed{Engine: eng, Store: st, Entry: e, Pull: sandbox.PullNever})
			}
			for range b.N {
				before := inUse()
				g, err := gateway.New(backends, gateway.Options{Store: st, Eager: true})
				if err != nil {
					b.Fatal(err)
				}
				g.Start(ctx)
				cs := inMemoryClient(b, g)
				res, err := cs.ListTools(ctx, nil)
				if err != nil || len(res.Tools) < n {
					b.Fatalf("%d servers listed %d tools: %v", n, len(res.Tools), err)
				}
				after := inUse()
				b.ReportMetric(float64(after-before)/float64(n)/1024, "KiB/sandbox")
				b.ReportMetric(float64(after)/(1<<20), "MiB-total")
				cs.Close()
				g.Close(ctx)
			}
		})
	}
}

// reportStart reports the mean of b.N cold starts and its ratio to direct.
func reportStart(b *testing.B, kind string, total time.Duration) {
	ms := float64(total.Milliseconds()) / float64(b.N)
	b.ReportMetric(ms, "ms/start")
	reportRatio(b, "cold", kind, "direct", ms)
}

// inMemoryClient connects a client to g in-process: the gateway's own
// cost, without a transport's.
func inMemoryClient(b *testing.B, g *gateway.Gateway) *mcp.ClientSession {
	ct, srv := mcp.NewInMemoryTransports()
	if _, err := g.Server().Connect(context.Background(), srv, nil); err != nil {
		b.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		b.Fatal(err)
	}
	return cs
}

// inUse is the heap and stacks in use after a collection.
func inUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
