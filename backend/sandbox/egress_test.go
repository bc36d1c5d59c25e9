package sandbox

import (
	"context"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/egress"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// bridgeDNS counts the UDP datagrams that reach a port on the bridge
// gateway: any query that gets there has left the sandbox.
func bridgeDNS(t *testing.T, gw net.IP) (string, *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", net.JoinHostPort(gw.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	var n atomic.Int32
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	return pc.LocalAddr().String(), &n
}

// TestEgressReachesOnlyTheGrantedHost: a hostile server granted one host
// on this machine reaches it through its egress proxy and nothing else: not
// a second host, not the granted one directly, not the proxy's outside
// network, and no name, through the resolver or a DNS server asked directly.
func TestEgressReachesOnlyTheGrantedHost(t *testing.T) {
	// The internal network drops what is not for its members.
	const noRoute = "network is unreachable|no route to host|i/o timeout"
	e := testEngine(t)
	e.UseHelper(testenv.BulkheadBinary(t))
	var mu sync.Mutex
	var events []egress.Event
	e.OnEgress(func(server string, ev egress.Event) {
		mu.Lock()
		defer mu.Unlock()
		if server == "egress" {
			events = append(events, ev)
		}
	})
	img := testenv.ServerImage(t, e.Client(), "hostile")
	granted, other := testenv.BridgeHTTP(t, e.Client(), "granted host"), testenv.BridgeHTTP(t, e.Client(), "other host")
	dns, queries := bridgeDNS(t, testenv.BridgeGateway(t, e.Client()))

	t.Run("control: a plain container reaches the other host and the DNS server", func(t *testing.T) {
		out := runRaw(t, e.Client(), &container.Config{Image: img, Cmd: []string{"probe-net", other}}, &container.HostConfig{NetworkMode: "bridge"})
		if !strings.Contains(out, `"worked":true`) {
			t.Fatalf("probe from a networked container: %q", out)
		}
		runRaw(t, e.Client(), &container.Config{Image: img, Cmd: []string{"probe-dns", dns, "control.example"}}, &container.HostConfig{NetworkMode: "bridge"})
		if queries.Load() == 0 {
			t.Fatal("the control query never reached the DNS listener")
		}
	})
	before := queries.Load()

	sb := launchEntry(t, e, "egress", img, "    permissions:\n      network: ["+granted+"]\n")
	proxyOutside := proxyAddressOn(t, e, sb, outsideNetwork)
	cs := session(t, sb)
	defer cs.Close()
	var rep struct {
		Attempts map[string]attempt `json:"attempts"`
	}
	callStructured(t, cs, "escape", map[string]any{
		"name": "c2VjcmV0.unlisted.example", "dnsServer": dns, "target": other, "hogMiB": 0, "forkMax": 0,
		"fetch": []string{"http://" + granted + "/", "http://" + other + "/"},
		"dial":  []string{granted, net.JoinHostPort(proxyOutside.String(), strconv.Itoa(egress.Port)), other},
	}, &rep)
	for name, a := range rep.Attempts {
		if strings.Contains(name, " ") || strings.HasPrefix(name, "net_") || name == "dns_direct" {
			t.Logf("%-40s worked=%-5v %s", name, a.Worked, a.Detail)
		}
	}
	want := map[string]struct {
		worked bool
		detail string
	}{
		"fetch http://" + granted + "/": {true, "200 granted host"},
		"fetch http://" + other + "/":   {false, "403 Bulkhead egress proxy refused: " + regexp.QuoteMeta(other) + " is not granted to this server"},
		"dial " + granted:               {false, noRoute}, // the granted host, but not through the proxy
		"dial " + other:                 {false, noRoute},
		"dial " + net.JoinHostPort(proxyOutside.String(), strconv.Itoa(egress.Port)): {false, noRoute},
		"net_dns":    {false, ""},
		"dns_direct": {false, ""},
	}
	for name, w := range want {
		a, ok := rep.Attempts[name]
		if !ok {
			t.Errorf("%s: not reported", name)
			continue
		}
		if a.Worked != w.worked || !regexp.MustCompile(w.detail).MatchString(a.Detail) {
			t.Errorf("%s: worked=%v %q, want worked=%v with %q", name, a.Worked, a.Detail, w.worked, w.detail)
		}
	}
	if n := queries.Load() - before; n != 0 {
		t.Errorf("%d DNS queries left the sandbox", n)
	}
	cs.Close()
	stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sb.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	var allowed, refused []string
	for _, ev := range events {
		hp := net.JoinHostPort(ev.Host, strconv.Itoa(ev.Port))
		if ev.Allowed {
			allowed = append(allowed, hp)
		} else {
			refused = append(refused, hp)
		}
	}
	if strings.Join(allowed, ",") != granted || strings.Join(refused, ",") != other {
		t.Errorf("egress events: allowed %v, refused %v; want [%s] and [%s]", allowed, refused, granted, other)
	}
}

// proxyAddressOn finds the sandbox's egress proxy's address on network.
func proxyAddressOn(t *testing.T, e *Engine, sb *Sandbox, network string) netip.Addr {
	t.Helper()
	if sb.proxy == nil {
		t.Fatal("a server granted egress has no proxy")
	}
	addr, err := e.addressOn(context.Background(), sb.proxy.ID, network)
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.Client().ContainerInspect(context.Background(), sb.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if nets := info.Container.NetworkSettings.Networks; len(nets) != 1 || nets[sb.network] == nil {
		t.Errorf("the server is on networks %v, want only its internal one", nets)
	}
	return addr
}
