package addrbook

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// addrKey names one address of any BIP155 network: the book's map key.
// IPv4 addresses are always NetIPv4 (never IPv4-mapped IPv6).
type addrKey struct {
	net  protocol.NetworkID
	addr [32]byte
	port uint16
}

// keyFromAddrPort is the key of an IP address.
func keyFromAddrPort(ap netip.AddrPort) addrKey {
	ip := ap.Addr().Unmap()
	k := addrKey{port: ap.Port()}
	if ip.Is4() {
		k.net = protocol.NetIPv4
		b := ip.As4()
		copy(k.addr[:], b[:])
	} else {
		k.net = protocol.NetIPv6
		b := ip.As16()
		copy(k.addr[:], b[:])
	}
	return k
}

// keyFromV2 is the key of an addrv2 entry. ok is false for the networks the
// book does not keep (Tor v2, unknown ones).
func keyFromV2(na *protocol.NetAddressV2) (addrKey, bool) {
	switch na.Network {
	case protocol.NetIPv4, protocol.NetIPv6:
		ap, _ := na.AddrPort()
		return keyFromAddrPort(ap), true
	case protocol.NetCJDNS, protocol.NetTorV3, protocol.NetI2P:
		k := addrKey{net: na.Network, port: na.Port}
		copy(k.addr[:], na.Bytes())
		return k, true
	}
	return addrKey{}, false
}

// bytes is the address part of the key, as long as its network says.
func (k *addrKey) bytes() []byte { return k.addr[:k.net.AddrSize()] }

// ip reports whether the key is an IP address we can dial (IPv4 or IPv6).
func (k addrKey) ip() bool { return k.net == protocol.NetIPv4 || k.net == protocol.NetIPv6 }

// addrPort is the key as an IP address; ok is false for Tor, I2P and CJDNS.
func (k addrKey) addrPort() (netip.AddrPort, bool) {
	switch k.net {
	case protocol.NetIPv4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(k.addr[:4])), k.port), true
	case protocol.NetIPv6:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(k.addr[:16])), k.port), true
	}
	return netip.AddrPort{}, false
}

// v2 is the key as an addrv2 entry stamped seen with services.
func (k addrKey) v2(seen time.Time, services protocol.ServiceFlag) protocol.NetAddressV2 {
	return protocol.NetAddressV2{
		Timestamp: unixStamp(seen), Services: services, Network: k.net, Addr: k.addr, Port: k.port,
	}
}

// String is host:port, with .onion and .b32.i2p names for Tor and I2P.
func (k addrKey) String() string { return k.v2(time.Time{}, 0).String() }

// valid reports whether the key names an address the book may hold:
// allowLocal admits loopback and private IP addresses (regtest).
func (k addrKey) valid(allowLocal bool) bool {
	switch k.net {
	case protocol.NetIPv4, protocol.NetIPv6:
		ap, _ := k.addrPort()
		return usable(ap, allowLocal)
	case protocol.NetCJDNS:
		ap := netip.AddrPortFrom(netip.AddrFrom16([16]byte(k.addr[:16])), k.port)
		return cjdnsPrefix.Contains(ap.Addr()) && k.port != 0
	case protocol.NetTorV3:
		return k.port != 0
	case protocol.NetI2P:
		return k.port == 0 // SAM 3.1 has no ports: Core gossips 0
	}
	return false
}

// cjdnsPrefix is where every CJDNS address lies.
var cjdnsPrefix = netip.MustParsePrefix("fc00::/8")

// internalPrefix is the range seedSource draws from (Core's internal
// addresses, fd6b:88c0:8724::/48).
var internalPrefix = netip.MustParsePrefix("fd6b:88c0:8724::/48")

// heNetPrefix is Hurricane Electric's tunnel range, which Core groups by /36
// instead of /32: one organisation hands out many /32s there.
var heNetPrefix = netip.MustParsePrefix("2001:470::/32")

// Group classes: the first byte of a group, so groups of different kinds
// never compare equal.
const (
	groupUnroutable byte = 0
	groupIPv4       byte = 1
	groupIPv6       byte = 2
	groupLocal      byte = 0xfe
	groupInternal   byte = 0xfd
	groupOther      byte = 0x80 // + the BIP155 network id
)

// netGroup appends the network group of an IP address to dst, in the manner
// of Core's NetGroupManager::GetGroup without an AS map: /16 for IPv4, /32
// for IPv6 (/36 in Hurricane Electric's range), one group for all local
// addresses, one for all unroutable ones, and one per internal name.
func netGroup(dst []byte, ip netip.Addr) []byte {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return append(dst, groupUnroutable)
	case ip.IsLoopback() || ip.IsUnspecified():
		return append(dst, groupLocal)
	case internalPrefix.Contains(ip):
		b := ip.As16()
		return append(append(dst, groupInternal), b[6:]...)
	case !usable(netip.AddrPortFrom(ip, 1), false):
		return append(dst, groupUnroutable)
	case ip.Is4():
		b := ip.As4()
		return append(dst, groupIPv4, b[0], b[1])
	case heNetPrefix.Contains(ip):
		b := ip.As16()
		return append(dst, groupIPv6, b[0], b[1], b[2], b[3], b[4]&0xf0)
	default:
		b := ip.As16()
		return append(dst, groupIPv6, b[0], b[1], b[2], b[3])
	}
}

// group appends the network group of k to dst: netGroup for IP addresses,
// the whole network for Tor v3, I2P and CJDNS. Local addresses (loopback,
// private, link-local), which only regtest stores, are each a group of
// their own, address and port: a test network on one machine or LAN has
// no groups to defend, and in one group all its nodes would crowd into a
// single bucket of 64 slots and push each other out.
func (k addrKey) group(dst []byte) []byte {
	if ap, ok := k.addrPort(); ok {
		if ip := ap.Addr(); ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() {
			return k.appendTo(append(dst, groupLocal))
		}
		return netGroup(dst, ap.Addr())
	}
	return append(dst, groupOther+byte(k.net))
}

// sourceGroup appends the group of source, the peer that told us of k; an
// address we found ourselves (no source) is its own source, as in Core.
func sourceGroup(dst []byte, source netip.Addr, k addrKey) []byte {
	if !source.IsValid() {
		return k.group(dst)
	}
	return netGroup(dst, source)
}

// appendKey appends the key's bytes for hashing: network, address, port.
func (k *addrKey) appendTo(dst []byte) []byte {
	dst = append(dst, byte(k.net))
	dst = append(dst, k.bytes()...)
	return binary.BigEndian.AppendUint16(dst, k.port)
}

// sameHost reports whether k is an IP address equal to ip (ports aside).
func (k addrKey) sameHost(ip netip.Addr) bool {
	ap, ok := k.addrPort()
	return ok && ap.Addr() == ip.Unmap()
}
