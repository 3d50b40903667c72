package addrbook

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
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

// netAddr is the key's address in protocol/netaddr's terms, which hold
// the network's rules (an IPv6 key in the internal range is an internal
// name there, as in Core).
func (k addrKey) netAddr() netaddr.Addr {
	a, _ := netaddr.FromBIP155(uint8(k.net), k.bytes())
	return a
}

// valid reports whether the key names an address the book may hold: one
// Core's address manager would take (routable; allowLocal, on regtest,
// also admits loopback and private addresses) with a port, or, for I2P,
// port 0 (SAM 3.1 has no ports: Core gossips 0).
func (k addrKey) valid(allowLocal bool) bool {
	if !k.netAddr().IsRoutableOrLocal(allowLocal) {
		return false
	}
	if k.net == protocol.NetI2P {
		return k.port == 0
	}
	return k.port != 0
}

// group appends the network group of k to dst: Core's GetGroup, except
// that a local address (loopback, private, link-local), which only
// regtest stores, is a group of its own, address and port: a test network
// on one machine or LAN has no groups to defend, and in one group all its
// nodes would crowd into a single bucket of 64 slots and push each other
// out.
func (k addrKey) group(dst []byte) []byte {
	return netaddr.AppendTestGroup(dst, k.netAddr(), k.port)
}

// sourceGroup appends the group of source, the peer that told us of k
// (Core's GetGroup); an address we found ourselves (no source) is its own
// source, as in Core.
func sourceGroup(dst []byte, source netip.Addr, k addrKey) []byte {
	if !source.IsValid() {
		return k.group(dst)
	}
	return netaddr.AppendGroup(dst, netaddr.FromIP(source))
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
