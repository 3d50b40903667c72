package protocol

import (
	"crypto/sha3"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// NetworkID is a BIP155 network id, the first byte of an addrv2 address.
type NetworkID uint8

// BIP155 network ids.
const (
	NetIPv4  NetworkID = 1
	NetIPv6  NetworkID = 2
	NetTorV2 NetworkID = 3 // retired: Core ignores such addresses, and so do we
	NetTorV3 NetworkID = 4
	NetI2P   NetworkID = 5
	NetCJDNS NetworkID = 6
)

// MaxAddrV2Size is the longest address an addrv2 entry may carry, of any
// network, known or not (Core's MAX_ADDRV2_SIZE).
const MaxAddrV2Size = 512

// AddrSize returns the exact address length BIP155 fixes for the network, or
// 0 for an unknown one.
func (n NetworkID) AddrSize() int {
	switch n {
	case NetIPv4:
		return 4
	case NetIPv6, NetCJDNS:
		return 16
	case NetTorV2:
		return 10
	case NetTorV3, NetI2P:
		return 32
	}
	return 0
}

// String returns the network's name as Core's getnodeaddresses prints it,
// or "unknown(n)".
func (n NetworkID) String() string {
	switch n {
	case NetIPv4:
		return "ipv4"
	case NetIPv6:
		return "ipv6"
	case NetTorV2:
		return "torv2"
	case NetTorV3:
		return "onion"
	case NetI2P:
		return "i2p"
	case NetCJDNS:
		return "cjdns"
	}
	return "unknown(" + strconv.Itoa(int(n)) + ")"
}

// NetAddressV2 is an addrv2 entry (BIP155): an address of any of the BIP155
// networks, with services as a CompactSize.
type NetAddressV2 struct {
	// Timestamp is when the address was last seen, in Unix seconds.
	Timestamp uint32
	// Services are the service bits the address's node announced.
	Services ServiceFlag
	// Network says how to read Addr.
	Network NetworkID
	// Addr holds the address in its first Network.AddrSize() bytes; the rest
	// stay zero. A fixed array keeps a decoded list at one allocation.
	Addr [32]byte
	// Port is the TCP port (0 for I2P, whose SAM 3.1 has no ports).
	Port uint16
}

// NetAddressV2From converts a v1 address: IPv4 or IPv6 by its Addr.
func NetAddressV2From(a NetAddress) NetAddressV2 {
	v2 := NetAddressV2{Timestamp: a.Timestamp, Services: a.Services, Port: a.Port}
	if a.Addr.Is4() {
		v2.Network = NetIPv4
		ip := a.Addr.As4()
		copy(v2.Addr[:], ip[:])
	} else {
		v2.Network = NetIPv6
		ip := a.Addr.As16()
		copy(v2.Addr[:], ip[:])
	}
	return v2
}

// Bytes returns the address bytes: the first Network.AddrSize() of Addr.
func (a *NetAddressV2) Bytes() []byte { return a.Addr[:a.Network.AddrSize()] }

// AddrPort returns the address as an IP address and port, for IPv4, IPv6 and
// CJDNS (an IPv6 address in fc00::/8); ok is false for other networks.
func (a NetAddressV2) AddrPort() (ap netip.AddrPort, ok bool) {
	switch a.Network {
	case NetIPv4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(a.Addr[:4])), a.Port), true
	case NetIPv6, NetCJDNS:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(a.Addr[:16])), a.Port), true
	}
	return ap, false
}

// String returns host:port, with Tor v3 and I2P hosts in their usual .onion
// and .b32.i2p forms.
func (a NetAddressV2) String() string {
	port := strconv.Itoa(int(a.Port))
	switch a.Network {
	case NetIPv4, NetIPv6, NetCJDNS:
		ap, _ := a.AddrPort()
		return ap.String()
	case NetTorV3:
		return onionV3(a.Addr) + ":" + port
	case NetI2P:
		return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(a.Addr[:])) + ".b32.i2p:" + port
	}
	return a.Network.String() + ":" + hex.EncodeToString(a.Bytes()) + ":" + port
}

// onionV3 returns the .onion name of a Tor v3 public key (Tor's
// rend-spec-v3: base32(pubkey | checksum | version)).
func onionV3(pubkey [32]byte) string {
	const version = 3
	sum := sha3.Sum256(append(append([]byte(".onion checksum"), pubkey[:]...), version))
	name := append(append(pubkey[:], sum[:2]...), version)
	return strings.ToLower(base32.StdEncoding.EncodeToString(name)) + ".onion"
}

// appendNetAddressV2 appends one addrv2 entry.
func appendNetAddressV2(dst []byte, a *NetAddressV2) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, a.Timestamp)
	dst = AppendCompactSize(dst, uint64(a.Services))
	dst = append(dst, byte(a.Network))
	addr := a.Bytes()
	dst = AppendCompactSize(dst, uint64(len(addr)))
	dst = append(dst, addr...)
	return binary.BigEndian.AppendUint16(dst, a.Port)
}

// IPv6 prefixes Core will not take inside a BIP155 IPv6 address: IPv4 and
// Tor v2 have their own ids, and Core's internal names are never gossiped.
var (
	ipv4InIPv6Prefix     = [12]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}
	torV2InIPv6Prefix    = [6]byte{0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43}
	internalInIPv6Prefix = [6]byte{0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24}
)

// netAddressV2 reads one entry into a. It reports keep=false for an entry
// Core reads but ignores: an unknown network id, Tor v2, or an IPv6 address
// embedding IPv4, Tor v2 or an internal name.
func (r *reader) netAddressV2(a *NetAddressV2) (keep bool) {
	a.Timestamp = r.u32("timestamp")
	a.Services = ServiceFlag(r.compactSizeUnbounded("services"))
	a.Network = NetworkID(r.u8("network"))
	size := r.compactSize("addr_size")
	if r.err != nil {
		return false
	}
	if size > MaxAddrV2Size {
		r.fail("addr_size", &LimitError{Value: size, Max: MaxAddrV2Size, Err: ErrTooLarge})
		return false
	}
	want := a.Network.AddrSize()
	known := want > 0 && a.Network != NetTorV2
	if known && int(size) != want {
		r.fail("addr_size", fmt.Errorf("%w: %s address of %d bytes, want %d", ErrBadAddress, a.Network, size, want))
		return false
	}
	raw := r.take("addr", int(size))
	a.Port = r.u16be("port")
	if r.err != nil || !known {
		return false
	}
	a.Addr = [32]byte{}
	copy(a.Addr[:], raw)
	if a.Network == NetIPv6 {
		if [12]byte(raw) == ipv4InIPv6Prefix || [6]byte(raw) == torV2InIPv6Prefix ||
			[6]byte(raw) == internalInIPv6Prefix {
			return false
		}
	}
	return true
}
