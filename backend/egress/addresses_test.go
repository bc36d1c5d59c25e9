package egress

import (
	"net/netip"
	"testing"
)

// TestReservedRanges walks IANA's IPv4 and IPv6 Special-Purpose Address
// Registries entry by entry: an address inside each block a name may not
// lead to is refused, and the globally reachable blocks stay reachable.
func TestReservedRanges(t *testing.T) {
	for _, c := range []struct {
		addr     string
		block    string // the registry entry, or why it is here
		reserved bool
	}{
		// IPv4 Special-Purpose Address Registry.
		{"0.0.0.0", "0.0.0.0/32 this host on this network", true},
		{"0.1.2.3", "0.0.0.0/8 this network", true},
		{"10.1.2.3", "10.0.0.0/8 private-use", true},
		{"100.100.100.200", "100.64.0.0/10 shared address space", true},
		{"127.0.0.53", "127.0.0.0/8 loopback", true},
		{"169.254.169.254", "169.254.0.0/16 link local", true},
		{"172.17.0.1", "172.16.0.0/12 private-use", true},
		{"192.0.0.1", "192.0.0.0/29 IPv4 service continuity prefix", true},
		{"192.0.0.8", "192.0.0.8/32 IPv4 dummy address", true},
		{"192.0.0.9", "192.0.0.9/32 PCP anycast, globally reachable", false},
		{"192.0.0.10", "192.0.0.10/32 TURN anycast, globally reachable", false},
		{"192.0.0.170", "192.0.0.170/32 NAT64/DNS64 discovery", true},
		{"192.0.0.200", "192.0.0.0/24 IETF protocol assignments", true},
		{"192.0.2.7", "192.0.2.0/24 documentation (TEST-NET-1)", true},
		{"192.31.196.1", "192.31.196.0/24 AS112-v4, globally reachable", false},
		{"192.52.193.1", "192.52.193.0/24 AMT, globally reachable", false},
		{"192.88.99.1", "192.88.99.0/24 deprecated 6to4 relay anycast", true},
		{"192.168.1.1", "192.168.0.0/16 private-use", true},
		{"192.175.48.1", "192.175.48.0/24 direct delegation AS112, globally reachable", false},
		{"198.19.0.1", "198.18.0.0/15 benchmarking", true},
		{"198.51.100.7", "198.51.100.0/24 documentation (TEST-NET-2)", true},
		{"203.0.113.7", "203.0.113.0/24 documentation (TEST-NET-3)", true},
		{"240.0.0.1", "240.0.0.0/4 reserved", true},
		{"255.255.255.255", "255.255.255.255/32 limited broadcast", true},
		{"224.0.0.251", "224.0.0.0/4 multicast (its own registry)", true},
		// IPv6 Special-Purpose Address Registry.
		{"::1", "::1/128 loopback", true},
		{"::", "::/128 unspecified", true},
		{"::ffff:10.0.0.1", "::ffff:0:0/96 IPv4-mapped, checked as the IPv4 address", true},
		{"::ffff:1.1.1.1", "::ffff:0:0/96 IPv4-mapped, of a public address", false},
		{"64:ff9b::a00:1", "64:ff9b::/96 NAT64, refused though globally reachable", true},
		{"64:ff9b:1::1", "64:ff9b:1::/48 local-use translation", true},
		{"100::1", "100::/64 discard-only", true},
		{"100:0:0:1::1", "100:0:0:1::/64 dummy prefix", true},
		{"2001::1", "2001::/32 TEREDO", true},
		{"2001:1::1", "2001:1::1/128 PCP anycast, globally reachable", false},
		{"2001:1::2", "2001:1::2/128 TURN anycast, globally reachable", false},
		{"2001:1::3", "2001:1::3/128 DNS-SD SRP anycast, globally reachable", false},
		{"2001:1::4", "2001::/23 IETF protocol assignments", true},
		{"2001:2::1", "2001:2::/48 benchmarking", true},
		{"2001:3::1", "2001:3::/32 AMT, globally reachable", false},
		{"2001:4:112::1", "2001:4:112::/48 AS112-v6, globally reachable", false},
		{"2001:10::1", "2001:10::/28 deprecated ORCHID", true},
		{"2001:20::1", "2001:20::/28 ORCHIDv2, globally reachable", false},
		{"2001:30::1", "2001:30::/28 drone remote ID, globally reachable", false},
		{"2001:1ff::1", "2001::/23 IETF protocol assignments, unassigned", true},
		{"2001:db8::1", "2001:db8::/32 documentation", true},
		{"2002:a00:1::1", "2002::/16 6to4", true},
		{"2620:4f:8000::1", "2620:4f:8000::/48 direct delegation AS112, globally reachable", false},
		{"3fff::1", "3fff::/20 documentation", true},
		{"5f00::1", "5f00::/16 segment routing SIDs", true},
		{"fd00:ec2::254", "fc00::/7 unique-local", true},
		{"fe80::1", "fe80::/10 link-local unicast", true},
		{"fe80::1%eth0", "fe80::/10 link-local, with a zone", true},
		// Beyond the registries: outside IANA's global unicast space.
		{"fec0::1", "fec0::/10 site-local (deprecated)", true},
		{"fe00::", "fe00::/9, /etc/hosts' ip6-localnet", true},
		{"ff02::1", "ff00::/8 multicast", true},
		{"4000::1", "outside 2000::/3", true},
		{"::a00:1", "::/96 IPv4-compatible (deprecated)", true},
		// Public addresses, in and around those blocks.
		{"140.82.112.3", "public", false},
		{"1.1.1.1", "public", false},
		{"192.0.1.255", "public, just below 192.0.2.0/24", false},
		{"2606:4700:4700::1111", "public", false},
		{"2001:200::1", "public, just above 2001::/23", false},
	} {
		if got := reservedRange(netip.MustParseAddr(c.addr)) != ""; got != c.reserved {
			t.Errorf("%s (%s): reserved %v, want %v", c.addr, c.block, got, c.reserved)
		}
	}
}
