package egress

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Port is where the proxy listens on the server's internal network.
const Port = 3128

// Serve runs the proxy on l until it fails, writing each event to events
// as a JSON line.
func Serve(l net.Listener, grants []catalog.HostPort, host []netip.Addr, events io.Writer) error {
	enc := json.NewEncoder(events)
	p := New(grants, host, func(e Event) { enc.Encode(e) })
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10}
	return srv.Serve(l)
}

// ListenInside listens on this container's address in subnet, the internal
// network, and nowhere else: on its outside network the proxy is not
// reachable by other containers.
func ListenInside(subnet netip.Prefix) (net.Listener, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipnet.IP)
		if ok && subnet.Contains(ip.Unmap()) {
			return net.Listen("tcp", netip.AddrPortFrom(ip.Unmap(), Port).String())
		}
	}
	return nil, fmt.Errorf("no address in %s on this container", subnet)
}
