package egress

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Port is where the proxy listens on the server's internal network for
// clients that use the proxy settings.
const Port = 3128

// Serve runs the proxy on listeners until one fails, writing each event to
// events as a JSON line. host are the Docker host's own addresses.
func Serve(listeners []net.Listener, grants []catalog.HostPort, host []netip.Addr, events io.Writer) error {
	enc := json.NewEncoder(events)
	return New(grants, host, func(e Event) { enc.Encode(e) }).Serve(listeners)
}

// ListenInside listens on each port at this container's address in
// subnet, the internal network, and nowhere else: on its outside network
// the proxy is not reachable by other containers.
func ListenInside(subnet netip.Prefix, ports []int) ([]net.Listener, error) {
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
			return listenAll(ip.Unmap(), ports)
		}
	}
	return nil, fmt.Errorf("no address in %s on this container", subnet)
}

func listenAll(ip netip.Addr, ports []int) ([]net.Listener, error) {
	var ls []net.Listener
	for _, port := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			if port < 1024 {
				return nil, fmt.Errorf("%v; a port below 1024 needs net.ipv4.ip_unprivileged_port_start=0 in the proxy's network namespace", err)
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}
