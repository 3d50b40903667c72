package machine

import "net/netip"

// The network groups the manager's rules count by. They are kept together
// here, the one place to point at the node-wide address rules (Core's
// GetGroup) once those exist.

// netGroup is the group outbound connections are kept apart by (Core's
// GetGroup for IP addresses: /16 for IPv4, /32 for IPv6); local addresses
// have none, so that a node on a local network can fill its slots there.
func netGroup(a netip.Addr) (netip.Prefix, bool) {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() {
		return netip.Prefix{}, false
	}
	bits := 16
	if a.Is6() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p, true
}

// evictGroup is the network group eviction balances (Core's GetGroup for
// IP addresses): the /16 of an IPv4 address, the /32 of an IPv6 one.
// Unlike netGroup, local addresses have groups too, so that a flood from
// 127.0.0.0/8 concentrates in few groups and is evicted first.
func evictGroup(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 16
	if a.Is6() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p
}

// handshakeGroup is the source group half-open inbound connections are
// counted by: the /24 of an IPv4 address, the /64 of an IPv6 one (as btcd
// counts them).
func handshakeGroup(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// isLocal reports whether a is a loopback address as Core's IsLocal has it
// (127.0.0.0/8, 0.0.0.0/8 and ::1): a peer there is disconnected for
// misbehaving but not discouraged (that would discourage every local
// peer), and eviction reserves protected slots for such peers.
func isLocal(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return b[0] == 127 || b[0] == 0
	}
	return a == netip.IPv6Loopback()
}
