package egress

import "net/netip"

// reserved are ranges a name may not resolve to: a granted name that
// points inside the host's or the cloud's own networks is a way in (DNS
// rebinding, metadata services), not the service that was granted. An IP
// address granted as such is allowed, private or not: a person named it.
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
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "the unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address, which can hide a private one"},
	{netip.MustParsePrefix("fc00::/7"), "a unique-local address (cloud metadata lives there too)"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// reservedRange says why addr may not be reached through a granted name,
// or "" when it may.
func reservedRange(addr netip.Addr) string {
	addr = addr.Unmap()
	for _, r := range reserved {
		if r.prefix.Contains(addr) {
			return r.what
		}
	}
	return ""
}
