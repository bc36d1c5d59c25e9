package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// benchSetup launches one well-behaved sandbox spoken to directly and a
// gateway over another, both from the same image on the same engine.
type benchSetup struct {
	direct   *mcp.ClientSession
	opened   []*mcp.ClientSession // gateway clients, closed before the gateway
	gw       *gateway.Gateway
	httpURL  string
	token    string
	cleanups []func()
}

func newBenchSetup(b *testing.B) *benchSetup {
	eng, st, entries := benchHome(b, 1)
	ctx := context.Background()
	s := &benchSetup{}

	sb, err := (&gateway.Sandboxed{Engine: eng, Store: st, Entry: entries[0], Pull: sandbox.PullNever}).Launch(ctx)
	if err != nil {
		b.Fatal(err)
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil)
	s.direct, err = c.Connect(ctx, &mcp.IOTransport{Reader: sb.Stdout(), Writer: sb.Stdin()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	s.cleanups = append(s.cleanups, func() { s.direct.Close(); sb.Stop(ctx) })

	s.gw, err = gateway.New([]gateway.Backend{&gateway.Sandboxed{Engine: eng, Store: st, Entry: entries[0], Pull: sandbox.PullNever}}, gateway.Options{Eager: true, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	s.gw.Start(ctx)
	s.token, _ = gateway.Token(b.TempDir())
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(l.Addr().String())
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: s.gw.HTTPHandler(gateway.HTTPOptions{Token: s.token, Port: port})}}
	srv.Start()
	s.httpURL = srv.URL + gateway.HTTPPath
	s.cleanups = append(s.cleanups, func() {
		for _, cs := range s.opened {
			cs.Close()
		}
		srv.Close()
		s.gw.Close(ctx)
	})
	return s
}

func (s *benchSetup) close() {
	for _, f := range slices.Backward(s.cleanups) {
		f()
	}
}

// clients opens n sessions of the given kind.
func (s *benchSetup) clients(b *testing.B, kind string, n int) []*mcp.ClientSession {
	var out []*mcp.ClientSession
	for range n {
		switch kind {
		case "direct":
			out = append(out, s.direct) // one server session, multiplexed
		case "gateway-memory":
			cs := inMemoryClient(b, s.gw)
			out = append(out, cs)
			s.opened = append(s.opened, cs)
		case "gateway-http":
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(context.Background(),
				&mcp.StreamableClientTransport{Endpoint: s.httpURL, HTTPClient: &http.Client{Transport: gateway.Bearer(s.token)}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, cs)
			s.opened = append(s.opened, cs)
		}
	}
	return out
}

var benchKinds = []struct{ kind, tool string }{
	{"direct", "echo"},
	{"gateway-memory", "wb0__echo"},
	{"gateway-http", "wb0__echo"},
}

// BenchmarkToolCall measures one tools/call at a time: per-call p50 and p99
// directly and through the gateway.
func BenchmarkToolCall(b *testing.B) {
	s := newBenchSetup(b)
	defer s.close()
	for _, k := range benchKinds {
		b.Run(k.kind, func(b *testing.B) {
			cs := s.clients(b, k.kind, 1)[0]
			args := &mcp.CallToolParams{Name: k.tool, Arguments: map[string]any{"text": "x"}}
			for range 20 { // warm up
				cs.CallTool(context.Background(), args)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := cs.CallTool(context.Background(), args); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			p50 := reportPercentiles(b, lat)
			reportRatio(b, "p50", k.kind, "direct", p50)
		})
	}
}

// directBaseline keeps the direct figure of each measure, which runs
// first, so the gateway's sub-benchmarks can report their ratio to it.
var directBaseline = map[string]float64{}

func reportRatio(b *testing.B, measure, kind, baseline string, v float64) {
	if kind == baseline {
		directBaseline[measure] = v
		return
	}
	if base := directBaseline[measure]; base > 0 {
		b.ReportMetric(v/base, "x-direct")
	}
}

// BenchmarkThroughput measures calls per second with 1, 16 and 64 clients
// calling at once.
func BenchmarkThroughput(b *testing.B) {
	s := newBenchSetup(b)
	defer s.close()
	for _, n := range []int{1, 16, 64} {
		for _, k := range benchKinds {
			b.Run(fmt.Sprintf("%s/clients=%d", k.kind, n), func(b *testing.B) {
				sessions := s.clients(b, k.kind, n)
				args := &mcp.CallToolParams{Name: k.tool, Arguments: map[string]any{"text": "x"}}
				var wg sync.WaitGroup
				calls := make(chan struct{}, b.N)
				for range b.N {
					calls <- struct{}{}
				}
				close(calls)
				b.ResetTimer()
				start := time.Now()
				for _, cs := range sessions {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range calls {
							if _, err := cs.CallTool(context.Background(), args); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				rate := float64(b.N) / time.Since(start).Seconds()
				b.ReportMetric(rate, "calls/s")
				reportRatio(b, fmt.Sprint("rate-", n), k.kind, "direct", rate)
			})
		}
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) (p50 float64) {
	slices.Sort(lat)
	at := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	return at(0.50)
}
