package testenv

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/moby/moby/client"
)

// BridgeGateway is the default bridge's gateway: an address on this
// machine that a container with a network could reach.
func BridgeGateway(t testing.TB, cli *client.Client) net.IP {
	t.Helper()
	nw, err := cli.NetworkInspect(context.Background(), "bridge", client.NetworkInspectOptions{})
	if err != nil {
		t.Fatalf("inspect the bridge network: %v", err)
	}
	// Older engines leave the gateway out of IPAM; the bridge interface has it.
	ifname := nw.Network.Options["com.docker.network.bridge.name"]
	iface, err := net.InterfaceByName(ifname)
	if err != nil {
		t.Fatalf("bridge interface %q: %v", ifname, err)
	}
	addrs, _ := iface.Addrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return ipn.IP
		}
	}
	t.Fatalf("bridge interface %s has no IPv4 address", ifname)
	return nil
}

// BridgeHTTP serves body over HTTP on the bridge gateway, a host on this
// machine a container could reach if it had a way out; it returns host:port.
func BridgeHTTP(t testing.TB, cli *client.Client, body string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(BridgeGateway(t, cli).String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}
