package netaddr

import (
	"encoding/binary"
	"net/netip"
)

// AppendGroup appends the address's network group to dst, as Core's
// NetGroupManager::GetGroup does without an AS map: the class (NetClass)
// as one byte, then
//   - nothing for local and other unroutable addresses: one group each;
//   - the 10 bytes of an internal name: a group per name;
//   - the first two bytes of the IPv4 address for IPv4 and for IPv6 that
//     carries one (SIIT, NAT64, 6to4, Teredo): the IPv4 /16;
//   - the first 4 bits of Tor v3 and I2P, 12 of CJDNS (its first byte is
//     fixed), 36 of Hurricane Electric's IPv6 and 32 of other IPv6,
//     with the bits past the prefix in the last byte set to one.
//
// Two addresses share a group exactly when Core would put them in one.
func AppendGroup(dst []byte, a Addr) []byte {
	class := a.NetClass()
	dst = append(dst, byte(class))
	start, bits := 0, 0
	switch {
	case a.IsLocal():
		// all local addresses are one group
	case a.IsInternal():
		start, bits = len(internalInIPv6Prefix), Internal.size()*8
	case !a.IsRoutable():
		// all other unroutable addresses are one group
	case a.HasLinkedIPv4():
		v4, _ := a.LinkedIPv4()
		return append(dst, v4[0], v4[1])
	case a.IsTor(), a.IsI2P():
		bits = 4
	case a.IsCJDNS():
		bits = 12
	case a.IsHeNet():
		bits = 36
	default:
		bits = 32
	}
	b := a.addrBytes()[start:]
	dst = append(dst, b[:bits/8]...)
	if rest := bits % 8; rest > 0 {
		dst = append(dst, b[bits/8]|byte(1<<(8-rest)-1))
	}
	return dst
}

// Group returns AppendGroup's group as a new slice; string(Group(a))
// keys a map by group.
func Group(a Addr) []byte { return AppendGroup(nil, a) }

// localGroupTag starts a group AppendTestGroup gives a local address;
// no class of Core's starts with it.
const localGroupTag = 0xfe

// AppendTestGroup appends the group a test network on one machine or LAN
// uses: an address for which IsLocalNet holds is a group of its own,
// address and port, so that many nodes on 127.0.0.1 are not crowded into
// one group; every other address gets AppendGroup's group. Core has no
// such rule: it never stores or dials local addresses automatically.
func AppendTestGroup(dst []byte, a Addr, port uint16) []byte {
	if !a.IsLocalNet() {
		return AppendGroup(dst, a)
	}
	dst = append(dst, localGroupTag, byte(a.net))
	dst = append(dst, a.Bytes()...)
	return binary.BigEndian.AppendUint16(dst, port)
}

// SourceNet is the source network a node limits half-open inbound
// connections by: the /24 of an IPv4 address (an IPv4-mapped one
// included), the /64 of an IPv6 one. It is btcd's rule, not Core's, which
// has no such limit.
func SourceNet(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}
