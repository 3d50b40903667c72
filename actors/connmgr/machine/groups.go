package machine

import (
	"net/netip"

	"github.com/actornode/actornode/protocol/netaddr"
)

// The network groups the manager's rules count by, all taken from the
// node-wide address rules in protocol/netaddr (Core's GetGroup).

// netGroup is the group outbound connections are kept apart by: Core's
// GetGroup, except that an address on a local network (loopback, RFC1918,
// link-local, ULA) is a group of its own with its port, so that a test
// network or LAN on one machine can fill its slots (Core never dials such
// addresses automatically).
func netGroup(a netip.AddrPort) string {
	return string(netaddr.AppendTestGroup(nil, netaddr.FromIP(a.Addr()), a.Port()))
}

// evictGroup is the network group eviction balances: Core's GetGroup, in
// which every local or unroutable address shares one group, so a flood
// from 127.0.0.0/8 concentrates in one group and is evicted first.
func evictGroup(a netip.Addr) string { return string(netaddr.Group(netaddr.FromIP(a))) }

// handshakeGroup is the source network half-open inbound connections are
// counted by (netaddr.SourceNet).
func handshakeGroup(a netip.Addr) netip.Prefix { return netaddr.SourceNet(a) }

// isLocal reports whether a is local as Core's IsLocal has it
// (127.0.0.0/8, 0.0.0.0/8 and ::1): a peer there is disconnected for
// misbehaving but not discouraged (that would discourage every local
// peer), and eviction reserves protected slots for such peers.
func isLocal(a netip.Addr) bool { return netaddr.FromIP(a).IsLocal() }
