package egress

import "net/netip"

// Reserved says why addr is not on the public internet (loopback, private,
// link-local, metadata, multicast...), or "" when it is: the ranges the
// proxy refuses to reach through a name, for others that must keep away
// from the user's own machine and networks too (icons a client would fetch).
func Reserved(addr netip.Addr) string { return reservedRange(addr) }
