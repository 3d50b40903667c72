package netaddr

import (
	"bytes"
	"encoding/binary"
)

// The predicates below are Core's CNetAddr ones, range for range. Each
// holds only for an address of its own network (an RFC of IPv4 ranges
// never matches an IPv6 address, and so on).

// IsIPv4 reports whether the address is IPv4.
func (a Addr) IsIPv4() bool { return a.net == IPv4 }

// IsIPv6 reports whether the address is IPv6 (not IPv4-mapped, not CJDNS).
func (a Addr) IsIPv6() bool { return a.net == IPv6 }

// IsTor reports whether the address is a Tor v3 one.
func (a Addr) IsTor() bool { return a.net == Onion }

// IsI2P reports whether the address is an I2P one.
func (a Addr) IsI2P() bool { return a.net == I2P }

// IsCJDNS reports whether the address is a CJDNS one.
func (a Addr) IsCJDNS() bool { return a.net == CJDNS }

// IsInternal reports whether the address stands for a name (Core's
// NET_INTERNAL).
func (a Addr) IsInternal() bool { return a.net == Internal }

// IsPrivacyNet reports whether the address is Tor or I2P.
func (a Addr) IsPrivacyNet() bool { return a.IsTor() || a.IsI2P() }

// HasCJDNSPrefix reports whether the first byte is CJDNS's, 0xfc.
func (a Addr) HasCJDNSPrefix() bool { return a.net.size() > 0 && a.b[0] == cjdnsPrefix }

// IsBindAny reports whether the address is 0.0.0.0 or "::".
func (a Addr) IsBindAny() bool {
	if !a.IsIPv4() && !a.IsIPv6() {
		return false
	}
	for _, c := range a.Bytes() {
		if c != 0 {
			return false
		}
	}
	return true
}

func (a Addr) v4Prefix(p ...byte) bool { return a.IsIPv4() && bytes.HasPrefix(a.b[:4], p) }
func (a Addr) v6Prefix(p ...byte) bool { return a.IsIPv6() && bytes.HasPrefix(a.b[:16], p) }

// IsRFC1918 reports IPv4 private networks: 10/8, 192.168/16, 172.16/12.
func (a Addr) IsRFC1918() bool {
	return a.IsIPv4() && (a.b[0] == 10 || (a.b[0] == 192 && a.b[1] == 168) ||
		(a.b[0] == 172 && a.b[1] >= 16 && a.b[1] <= 31))
}

// IsRFC2544 reports IPv4 inter-network benchmarking: 198.18/15.
func (a Addr) IsRFC2544() bool { return a.IsIPv4() && a.b[0] == 198 && (a.b[1] == 18 || a.b[1] == 19) }

// IsRFC3927 reports IPv4 link-local: 169.254/16.
func (a Addr) IsRFC3927() bool { return a.v4Prefix(169, 254) }

// IsRFC6598 reports IPv4 carrier-grade NAT: 100.64/10.
func (a Addr) IsRFC6598() bool { return a.IsIPv4() && a.b[0] == 100 && a.b[1] >= 64 && a.b[1] <= 127 }

// IsRFC5737 reports IPv4 documentation: 192.0.2/24, 198.51.100/24,
// 203.0.113/24.
func (a Addr) IsRFC5737() bool {
	return a.v4Prefix(192, 0, 2) || a.v4Prefix(198, 51, 100) || a.v4Prefix(203, 0, 113)
}

// IsRFC3849 reports IPv6 documentation: 2001:db8::/32.
func (a Addr) IsRFC3849() bool { return a.v6Prefix(0x20, 0x01, 0x0d, 0xb8) }

// IsRFC3964 reports IPv6 6to4 tunnelling: 2002::/16.
func (a Addr) IsRFC3964() bool { return a.v6Prefix(0x20, 0x02) }

// IsRFC6052 reports IPv6 well-known prefix for IPv4-embedded addresses
// (NAT64): 64:ff9b::/96.
func (a Addr) IsRFC6052() bool { return a.v6Prefix(0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0) }

// IsRFC4380 reports IPv6 Teredo tunnelling: 2001::/32.
func (a Addr) IsRFC4380() bool { return a.v6Prefix(0x20, 0x01, 0, 0) }

// IsRFC4862 reports IPv6 autoconfig link-local: fe80::/64.
func (a Addr) IsRFC4862() bool { return a.v6Prefix(0xfe, 0x80, 0, 0, 0, 0, 0, 0) }

// IsRFC4193 reports IPv6 unique local: fc00::/7.
func (a Addr) IsRFC4193() bool { return a.IsIPv6() && a.b[0]&0xfe == 0xfc }

// IsRFC6145 reports IPv6 IPv4-translated (SIIT): ::ffff:0:0:0/96.
func (a Addr) IsRFC6145() bool { return a.v6Prefix(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0) }

// IsRFC4843 reports IPv6 ORCHID (deprecated): 2001:10::/28.
func (a Addr) IsRFC4843() bool { return a.v6Prefix(0x20, 0x01, 0) && a.b[3]&0xf0 == 0x10 }

// IsRFC7343 reports IPv6 ORCHIDv2: 2001:20::/28.
func (a Addr) IsRFC7343() bool { return a.v6Prefix(0x20, 0x01, 0) && a.b[3]&0xf0 == 0x20 }

// IsHeNet reports Hurricane Electric's IPv6 range, 2001:470::/32, which
// is grouped by /36 (see AppendGroup).
func (a Addr) IsHeNet() bool { return a.v6Prefix(0x20, 0x01, 0x04, 0x70) }

// IsLocal reports loopback as Core means it: IPv4 127/8 and 0/8, IPv6 ::1.
func (a Addr) IsLocal() bool {
	if a.IsIPv4() && (a.b[0] == 127 || a.b[0] == 0) {
		return true
	}
	return a.IsIPv6() && [16]byte(a.b[:16]) == [16]byte{15: 1}
}

// IsValid reports whether the address could name a real host (Core's
// IsValid): not "::", 0.0.0.0 or 255.255.255.255, not IPv6 documentation,
// not an internal name, a CJDNS address with CJDNS's prefix. A valid
// address need not be routable.
func (a Addr) IsValid() bool {
	switch {
	case a.net == Unroutable:
		return false
	case a.IsIPv6() && [16]byte(a.b[:16]) == [16]byte{}:
		return false
	case a.IsCJDNS() && !a.HasCJDNSPrefix():
		return false
	case a.IsRFC3849(), a.IsInternal():
		return false
	case a.IsIPv4():
		v := binary.BigEndian.Uint32(a.b[:4])
		return v != 0 && v != 0xffffffff
	}
	return true
}

// IsRoutable reports whether the address is reachable on the public
// Internet (Core's IsRoutable): valid and in none of the private, local,
// link-local, documentation, benchmarking, carrier-grade NAT, unique
// local or ORCHID ranges. Tunnelled and translated IPv6 (6to4, Teredo,
// NAT64, SIIT) is routable, and multicast is not singled out: Core counts
// both routable.
func (a Addr) IsRoutable() bool {
	return a.IsValid() && !(a.IsRFC1918() || a.IsRFC2544() || a.IsRFC3927() || a.IsRFC4862() ||
		a.IsRFC6598() || a.IsRFC5737() || a.IsRFC4193() || a.IsRFC4843() || a.IsRFC7343() ||
		a.IsLocal() || a.IsInternal())
}

// IsRelayable reports whether the address may be gossiped at all: of a
// network that has a BIP155 id (Core's IsRelayable). Internal names are
// not.
func (a Addr) IsRelayable() bool {
	switch a.net {
	case IPv4, IPv6, Onion, I2P, CJDNS:
		return true
	}
	return false
}

// IsAddrV1Compatible reports whether the address fits an addr (v1) entry:
// IPv4, IPv6 and internal names do; Tor v3, I2P and CJDNS need addrv2.
func (a Addr) IsAddrV1Compatible() bool {
	switch a.net {
	case IPv4, IPv6, Internal:
		return true
	}
	return false
}

// Network returns the address's class as Core's GetNetwork: Internal for
// an internal name, Unroutable for any other address that is not
// routable, else the network it was given as.
func (a Addr) Network() Network {
	if a.IsInternal() {
		return Internal
	}
	if !a.IsRoutable() {
		return Unroutable
	}
	return a.net
}

// NetClass returns Core's GetNetClass, the class that starts a group: as
// Network, but IPv4 for an IPv6 address that embeds a routable IPv4 one
// (see HasLinkedIPv4).
func (a Addr) NetClass() Network {
	if a.IsInternal() {
		return Internal
	}
	if !a.IsRoutable() {
		return Unroutable
	}
	if a.HasLinkedIPv4() {
		return IPv4
	}
	return a.net
}

// HasLinkedIPv4 reports whether the address is routable and IPv4 or an
// IPv6 form that carries an IPv4 address: SIIT (RFC 6145), NAT64 (RFC
// 6052), 6to4 (RFC 3964) or Teredo (RFC 4380).
func (a Addr) HasLinkedIPv4() bool {
	return a.IsRoutable() && (a.IsIPv4() || a.IsRFC6145() || a.IsRFC6052() || a.IsRFC3964() || a.IsRFC4380())
}

// LinkedIPv4 returns the IPv4 address a HasLinkedIPv4 address carries:
// the address itself, the last four bytes of SIIT and NAT64, bytes 2 to 5
// of 6to4, the last four bytes inverted of Teredo. ok is false when
// HasLinkedIPv4 is.
func (a Addr) LinkedIPv4() (v4 [4]byte, ok bool) {
	if !a.HasLinkedIPv4() {
		return v4, false
	}
	switch {
	case a.IsIPv4():
		v4 = [4]byte(a.b[:4])
	case a.IsRFC6052(), a.IsRFC6145():
		v4 = [4]byte(a.b[12:16])
	case a.IsRFC3964():
		v4 = [4]byte(a.b[2:6])
	case a.IsRFC4380():
		for i := range v4 {
			v4[i] = ^a.b[12+i]
		}
	}
	return v4, true
}

// IsLocalNet reports whether the address is valid and lies on this
// machine or a local network: Core's IsLocal, RFC 1918, RFC 3927, RFC
// 4862 or RFC 4193. Core never admits these to its address manager; this
// node does on a test network on one machine (see IsRoutableOrLocal).
func (a Addr) IsLocalNet() bool {
	return a.IsValid() && (a.IsLocal() || a.IsRFC1918() || a.IsRFC3927() || a.IsRFC4862() || a.IsRFC4193())
}

// IsRoutableOrLocal is IsRoutable, or with allowLocal (a test network
// such as regtest, which runs on one machine or LAN) also IsLocalNet.
func (a Addr) IsRoutableOrLocal(allowLocal bool) bool {
	return a.IsRoutable() || (allowLocal && a.IsLocalNet())
}
