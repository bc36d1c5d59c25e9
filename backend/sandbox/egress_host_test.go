package sandbox

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/egress"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// fetchResult is the fetcher test server's report of one request.
type fetchResult struct {
	Worked bool   `json:"worked"`
	Detail string `json:"detail"`
}

// egressEvents collects what a server's egress proxy recorded.
type egressEvents struct {
	mu   sync.Mutex
	list []egress.Event
}

func recordEgressOf(e *Engine, server string) *egressEvents {
	r := &egressEvents{}
	e.OnEgress(func(s string, ev egress.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if s == server {
			r.list = append(r.list, ev)
		}
	})
	return r
}

func (r *egressEvents) all() []egress.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.list)
}

// stop stops a sandbox; once it returns, every egress event was delivered.
func stop(t *testing.T, sb *Sandbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sb.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// fetchAll has the fetcher server GET each request and returns the results.
func fetchAll(t *testing.T, sb *Sandbox, requests ...map[string]any) []fetchResult {
	t.Helper()
	cs := session(t, sb)
	defer cs.Close()
	var out struct {
		Results []fetchResult `json:"results"`
	}
	callStructured(t, cs, "fetch", map[string]any{"requests": requests}, &out)
	if len(out.Results) != len(requests) {
		t.Fatalf("%d results for %d requests", len(out.Results), len(requests))
	}
	return out.Results
}

// TestEgressRefusesTheHostThroughAGrantedName: the launcher hands the
// Docker host's addresses to the egress proxy, so a granted name that the
// proxy resolves to the default bridge's gateway is refused as the host's
// own address (not merely as a private one), while that gateway granted as
// an address is reached.
func TestEgressRefusesTheHostThroughAGrantedName(t *testing.T) {
	e := testEngine(t)
	e.UseHelper(testenv.BulkheadBinary(t))
	rec := recordEgressOf(e, "hostaddr")
	img := testenv.ServerImage(t, e.Client(), "fetcher")
	gw := testenv.BridgeGateway(t, e.Client())
	byName, byAddress := testenv.BridgeHTTP(t, e.Client(), "by name"), testenv.BridgeHTTP(t, e.Client(), "by address")
	named := "gateway.bulkhead.test:" + byName[strings.LastIndex(byName, ":")+1:]
	e.proxyHosts = []string{"gateway.bulkhead.test:" + gw.String()}

	sb := launchEntry(t, e, "hostaddr", img, "    permissions:\n      network: ["+named+", "+byAddress+"]\n")
	got := fetchAll(t, sb,
		map[string]any{"url": "http://" + named + "/", "proxy": true},
		map[string]any{"url": "http://" + byAddress + "/", "proxy": true})
	if r := got[0]; r.Worked || !strings.Contains(r.Detail, "resolves to "+gw.String()+", an address of the Docker host itself") {
		t.Errorf("a granted name leading to the bridge gateway: %+v, want it refused as the host's own address", r)
	}
	if r := got[1]; !r.Worked || r.Detail != "200 by address" {
		t.Errorf("the bridge gateway granted as an address: %+v, want it reached", r)
	}
	stop(t, sb)
	if events := rec.all(); len(events) != 2 || events[0].Allowed || !events[1].Allowed {
		t.Errorf("egress events %+v, want the name refused and the address allowed", events)
	}
}
