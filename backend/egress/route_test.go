package egress

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// TestProxyRoutesGrantedNamesWithoutProxySettings: a client that ignores
// the proxy settings, and finds the proxy where a granted name resolves,
// reaches the granted destination by TLS server name and by Host header on
// the port it dialed; a name not granted on that port, TLS without a name,
// a Host for another port and what is neither TLS nor HTTP are refused, and
// every connection is recorded. Only granted names are looked up.
func TestProxyRoutesGrantedNamesWithoutProxySettings(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain "+r.Host) }))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure "+r.TLS.ServerName) }))
	defer secure.Close()
	p1, p2 := hostPort(t, plain.URL), hostPort(t, secure.URL)
	// The proxy listens on the destinations' ports at another loopback
	// address, as it does on the sandbox's network.
	proxyAt := netip.MustParseAddr("127.0.0.2")
	ls, err := listenAll(proxyAt, []int{p1.Port, p2.Port})
	if err != nil {
		t.Skipf("this machine has no second loopback address to stand in for the proxy's: %v", err)
	}
	grants := []catalog.HostPort{
		{Host: "plain.example", Port: p1.Port}, {Host: "secure.example", Port: p2.Port},
		p1, p2, // the addresses the names lead to, granted too
	}
	events := make(chan Event, 100)
	p := New(grants, nil, func(e Event) { events <- e })
	loopback := netip.MustParseAddr("127.0.0.1")
	looked := &lookups{zone: zone{"plain.example": {loopback}, "secure.example": {loopback}}}
	p.resolver = looked
	served := make(chan error, 1)
	go func() { served <- p.Serve(ls) }()
	defer func() {
		for _, l := range ls {
			l.Close()
		}
		<-served
	}()

	// The client resolves every name to the proxy, as the sandbox's
	// /etc/hosts does, and never uses a proxy setting.
	toProxy := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(proxyAt.String(), port))
	}
	get := func(rawURL, host, sni string) (int, string) {
		tr := &http.Transport{DialContext: toProxy, DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: sni}}
		defer tr.CloseIdleConnections()
		if sni == "-" {
			tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := toProxy(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
				return tc, tc.HandshakeContext(ctx)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := (&http.Client{Transport: tr, Timeout: time.Minute}).Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	port1, port2 := strconv.Itoa(p1.Port), strconv.Itoa(p2.Port)
	for _, c := range []struct {
		what, url, host, sni string
		code                 int
		body                 string
	}{
		{"http by Host", "http://plain.example:" + port1 + "/", "", "", 200, "plain plain.example:" + port1},
		{"https by SNI", "https://secure.example:" + port2 + "/", "", "", 200, "secure secure.example"},
		{"a Host not granted", "http://plain.example:" + port1 + "/", "other.example:" + port1, "", 403, "other.example:" + port1 + " is not granted"},
		{"a granted name on another grant's port", "http://plain.example:" + port2 + "/", "", "", 403, "plain.example:" + port2 + " is not granted"},
		{"a Host for another port", "http://plain.example:" + port1 + "/", "plain.example:" + port2, "", 403, "came to port " + port1},
		{"an SNI not granted", "https://secure.example:" + port2 + "/", "", "other.example", 0, ""},
		{"TLS without SNI", "https://secure.example:" + port2 + "/", "", "-", 0, ""},
	} {
		code, body := get(c.url, c.host, c.sni)
		if code != c.code || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %q, want %d with %q", c.what, code, body, c.code, c.body)
		}
	}
	// Neither TLS nor HTTP: closed unanswered.
	raw, err := net.Dial("tcp", ls[0].Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(raw, "\x00\x01SSH-ish")
	raw.SetReadDeadline(time.Now().Add(time.Minute))
	if n, err := raw.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("a connection neither TLS nor HTTP was answered: %d %v", n, err)
	}
	raw.Close()

	want := []string{
		"allowed GET plain.example:" + port1,
		"allowed TLS secure.example:" + port2,
		"refused GET other.example:" + port1,
		"refused GET plain.example:" + port2,
		"refused GET plain.example:" + port1,
		"refused TLS other.example:" + port2,
		"refused TLS :" + port2,
		"refused TCP :" + port1,
	}
	var got []string
	for range want {
		select {
		case e := <-events:
			verdict := "allowed"
			if !e.Allowed {
				verdict = "refused"
				if e.Reason == "" {
					t.Errorf("refused without a reason: %+v", e)
				}
			}
			got = append(got, verdict+" "+e.Method+" "+net.JoinHostPort(e.Host, strconv.Itoa(e.Port)))
		case <-time.After(time.Minute):
			t.Fatalf("events so far:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := Ports(grants); len(got) != 3 || !slices.Contains(got, Port) || !slices.Contains(got, p1.Port) || !slices.Contains(got, p2.Port) {
		t.Errorf("ports %v, want %d and the two granted by name", got, Port)
	}
	if strings.Join(looked.names, ",") != "plain.example,secure.example" {
		t.Errorf("names looked up: %v, want only the granted ones that were used", looked.names)
	}
}
