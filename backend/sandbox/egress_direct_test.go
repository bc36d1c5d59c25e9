package sandbox

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// bridgeEcho serves, on the bridge gateway, what it was asked for: the
// Host header, and over TLS the server name; it returns host:port.
func bridgeEcho(t *testing.T, cli *client.Client, secure bool) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(testenv.BridgeGateway(t, cli).String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			io.WriteString(w, "secure "+r.TLS.ServerName)
			return
		}
		io.WriteString(w, "plain "+r.Host)
	})}}
	if secure {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return l.Addr().String()
}

// TestEgressWorksForClientsThatIgnoreTheProxySettings: a server whose
// client ignores HTTP(S)_PROXY, as Node's fetch does, dials granted names,
// which resolve to its egress proxy, and reaches the granted destinations
// by Host header and by TLS server name; another name or no name on a
// granted port is refused, a name that leads to the Docker host is refused
// even on a port below 1024, a name not granted does not resolve, and the
// proxy settings still work. Every connection that reached the proxy is
// recorded. Only the proxy gets a sysctl, and no one a capability.
func TestEgressWorksForClientsThatIgnoreTheProxySettings(t *testing.T) {
	e := testEngine(t)
	e.UseHelper(testenv.BulkheadBinary(t))
	rec := recordEgressOf(e, "direct")
	img := testenv.ServerImage(t, e.Client(), "fetcher")
	gw := testenv.BridgeGateway(t, e.Client()).String()
	plainAt, secureAt := bridgeEcho(t, e.Client(), false), bridgeEcho(t, e.Client(), true)
	port := func(hostport string) string { return hostport[strings.LastIndex(hostport, ":")+1:] }
	plain, secure := "plain.bulkhead.test:"+port(plainAt), "secure.bulkhead.test:"+port(secureAt)
	// The proxy's resolver has the test's names; the grants of the
	// gateway's ports let them lead there, as they would not by themselves.
	e.proxyHosts = []string{"plain.bulkhead.test:" + gw, "secure.bulkhead.test:" + gw, "gateway.bulkhead.test:" + gw}
	grants := []string{plain, plainAt, secure, secureAt, "gateway.bulkhead.test:443"}

	sb := launchEntry(t, e, "direct", img, "    permissions:\n      network: ["+strings.Join(grants, ", ")+"]\n")
	proxyAddr := proxyAddressOn(t, e, sb, sb.network)
	got := fetchAll(t, sb,
		map[string]any{"url": "http://" + plain + "/"},
		map[string]any{"url": "https://" + secure + "/"},
		map[string]any{"url": "http://" + plain + "/", "host": "other.bulkhead.test:" + port(plainAt)},
		map[string]any{"url": "https://" + secure + "/", "sni": "other.bulkhead.test"},
		map[string]any{"url": "https://" + secure + "/", "sni": "-"},
		map[string]any{"url": "https://gateway.bulkhead.test/"},
		map[string]any{"url": "http://ungranted.bulkhead.test:" + port(plainAt) + "/"},
		map[string]any{"url": "http://" + plain + "/", "proxy": true},
	)
	for i, w := range []struct {
		worked bool
		detail string
	}{
		{true, "200 plain " + plain},
		{true, "200 secure secure.bulkhead.test"},
		{false, "403 Bulkhead egress proxy refused: other.bulkhead.test:" + port(plainAt) + " is not granted to this server"},
		{false, ""},
		{false, ""},
		{false, ""},
		{false, "ungranted.bulkhead.test"},
		{true, "200 plain " + plain},
	} {
		if got[i].Worked != w.worked || !strings.Contains(got[i].Detail, w.detail) {
			t.Errorf("request %d: worked=%v %q, want worked=%v with %q", i, got[i].Worked, got[i].Detail, w.worked, w.detail)
		}
	}

	server, proxy := inspectHost(t, e, sb.ID), inspectHost(t, e, sb.proxy.ID)
	wantHosts := []string{"plain.bulkhead.test:" + proxyAddr.String(), "secure.bulkhead.test:" + proxyAddr.String(), "gateway.bulkhead.test:" + proxyAddr.String()}
	if strings.Join(server.ExtraHosts, ",") != strings.Join(wantHosts, ",") {
		t.Errorf("the server's extra hosts %v, want %v", server.ExtraHosts, wantHosts)
	}
	if len(server.Sysctls) != 0 || len(server.CapAdd) != 0 || len(proxy.CapAdd) != 0 {
		t.Errorf("sysctls %v and capabilities %v for the server, capabilities %v for the proxy; want none", server.Sysctls, server.CapAdd, proxy.CapAdd)
	}
	if proxy.Sysctls["net.ipv4.ip_unprivileged_port_start"] != "0" || len(proxy.Sysctls) != 1 {
		t.Errorf("the proxy's sysctls %v, want only the unprivileged port start at 0", proxy.Sysctls)
	}
	stop(t, sb)

	var events []string
	for _, ev := range rec.all() {
		verdict := "allowed"
		if !ev.Allowed {
			verdict = "refused"
		}
		events = append(events, verdict+" "+ev.Method+" "+net.JoinHostPort(ev.Host, strconv.Itoa(ev.Port)))
		if ev.Host == "gateway.bulkhead.test" && !strings.Contains(ev.Reason, "an address of the Docker host itself") {
			t.Errorf("the name leading to the gateway was refused for %q, want as the host's own address", ev.Reason)
		}
	}
	want := []string{
		"allowed GET " + plain,
		"allowed TLS " + secure,
		"refused GET other.bulkhead.test:" + port(plainAt),
		"refused TLS other.bulkhead.test:" + port(secureAt),
		"refused TLS :" + port(secureAt),
		"refused TLS gateway.bulkhead.test:443",
		"allowed GET " + plain,
	}
	if strings.Join(events, "\n") != strings.Join(want, "\n") {
		t.Errorf("egress events:\n%s\nwant:\n%s", strings.Join(events, "\n"), strings.Join(want, "\n"))
	}
}

// inspectHost is the host configuration the engine gave a container.
func inspectHost(t *testing.T, e *Engine, id string) *container.HostConfig {
	t.Helper()
	info, err := e.Client().ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return info.Container.HostConfig
}
