package addrbook

import "net/netip"

// Address ranges that are not reachable on the public Internet, as Core's
// CNetAddr::IsRoutable and IsValid classify them. An address in one of them
// is never stored from gossip (except on regtest, a local network by design).
var unroutable = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (IsLocal)
	netip.MustParsePrefix("10.0.0.0/8"),      // RFC1918 private
	netip.MustParsePrefix("100.64.0.0/10"),   // RFC6598 carrier-grade NAT
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback (IsLocal)
	netip.MustParsePrefix("169.254.0.0/16"),  // RFC3927 link-local
	netip.MustParsePrefix("172.16.0.0/12"),   // RFC1918 private
	netip.MustParsePrefix("192.0.2.0/24"),    // RFC5737 documentation
	netip.MustParsePrefix("192.168.0.0/16"),  // RFC1918 private
	netip.MustParsePrefix("198.18.0.0/15"),   // RFC2544 benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // RFC5737 documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // RFC5737 documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("::1/128"),         // loopback (IsLocal)
	netip.MustParsePrefix("2001:10::/28"),    // RFC4843 ORCHID
	netip.MustParsePrefix("2001:20::/28"),    // RFC7343 ORCHIDv2
	netip.MustParsePrefix("2001:db8::/32"),   // RFC3849 documentation
	netip.MustParsePrefix("fc00::/7"),        // RFC4193 unique local (also CJDNS, OnionCat)
	netip.MustParsePrefix("fe80::/10"),       // RFC4862 link-local
	netip.MustParsePrefix("ff00::/8"),        // multicast
	netip.MustParsePrefix("224.0.0.0/4"),     // IPv4 multicast
	netip.MustParsePrefix("64:ff9b::/96"),    // RFC6052 NAT64: the IPv4 form is used
	netip.MustParsePrefix("2002::/16"),       // RFC3964 6to4: the IPv4 form is used
	netip.MustParsePrefix("2001::/32"),       // RFC4380 Teredo: tunnels, not peers
}

// usable reports whether a gossiped address may be stored: a valid IP, not
// unspecified, a port other than 0, and routable unless local addresses are
// allowed (regtest). Loopback and private ranges pass when allowLocal is set;
// multicast and the reserved ranges never do.
func usable(ap netip.AddrPort, allowLocal bool) bool {
	ip := ap.Addr().Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ap.Port() == 0 {
		return false
	}
	if ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	if allowLocal && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()) {
		return true
	}
	for _, p := range unroutable {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
