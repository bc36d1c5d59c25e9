package egress

import "net/netip"

// reserved are the blocks a granted name may not resolve to: a name that
// points inside the host's, the local network's or the cloud's own space is
// a way in (DNS rebinding, metadata services), not the service that was
// granted. An IP address granted as such is allowed, private or not: a
// person named it.
//
// The source is IANA's IPv4 and IPv6 Special-Purpose Address Registries:
// every block they mark not globally reachable (or N/A) is here, and the
// globally reachable ones are not (see globallyReachable for those inside a
// block that is). Beyond them: IPv4 multicast (its own registry), and every
// IPv6 address outside 2000::/3, the only space IANA allocates for global
// unicast (which covers site-local fec0::/10 and fe00::/9, /etc/hosts'
// ip6-localnet).
var reserved = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a 'this network' address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address (cloud metadata lives there too)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address (cloud metadata lives there)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a deprecated 6to4 relay address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"}, // and 255.255.255.255, the limited broadcast
	{netip.MustParsePrefix("::/128"), "the unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	// The registry marks it globally reachable, but a NAT64 gateway turns
	// it into any IPv4 address, private ones too, which the proxy cannot see.
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address, which can hide a private one"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("100:0:0:1::/64"), "a dummy address"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo address, which tunnels to another"},
	{netip.MustParsePrefix("2001::/23"), "an IETF protocol address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address, which can hide a private one"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
	{netip.MustParsePrefix("5f00::/16"), "a segment-routing address"},
	{netip.MustParsePrefix("fc00::/7"), "a unique-local address (cloud metadata lives there too)"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// globallyReachable are blocks the registries mark globally reachable
// inside a reserved one: public anycast services and overlay identifiers.
var globallyReachable = []netip.Prefix{
	netip.MustParsePrefix("192.0.0.9/32"),    // Port Control Protocol anycast
	netip.MustParsePrefix("192.0.0.10/32"),   // TURN anycast
	netip.MustParsePrefix("2001:1::1/128"),   // Port Control Protocol anycast
	netip.MustParsePrefix("2001:1::2/128"),   // TURN anycast
	netip.MustParsePrefix("2001:1::3/128"),   // DNS-SD service registration anycast
	netip.MustParsePrefix("2001:3::/32"),     // AMT
	netip.MustParsePrefix("2001:4:112::/48"), // AS112-v6
	netip.MustParsePrefix("2001:20::/28"),    // ORCHIDv2
	netip.MustParsePrefix("2001:30::/28"),    // Drone Remote ID entity tags
}

// globalUnicast is the IPv6 space IANA allocates for global unicast.
var globalUnicast = netip.MustParsePrefix("2000::/3")

// reservedRange says why addr may not be reached through a granted name,
// or "" when it may.
func reservedRange(addr netip.Addr) string {
	// A zone only scopes a link-local or multicast address, and a prefix
	// never contains a zoned address: check it without.
	addr = addr.Unmap().WithZone("")
	for _, p := range globallyReachable {
		if p.Contains(addr) {
			return ""
		}
	}
	for _, r := range reserved {
		if r.prefix.Contains(addr) {
			return r.what
		}
	}
	if addr.Is6() && !globalUnicast.Contains(addr) {
		return "outside the global unicast space 2000::/3 (reserved by the IETF)"
	}
	return ""
}
