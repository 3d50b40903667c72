package netaddr

import (
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base32"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Addr is an address of one of Core's networks (Core's CNetAddr): the
// network it was given as and its bytes. The zero Addr is not valid.
// Addrs are comparable and may key maps.
type Addr struct {
	net Network
	b   [32]byte
}

// Prefixes Core recognises inside a legacy 16-byte (IPv6) address.
var (
	ipv4InIPv6Prefix     = [12]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}
	torV2InIPv6Prefix    = [6]byte{0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43}
	internalInIPv6Prefix = [6]byte{0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24}
)

// cjdnsPrefix is the first byte of every CJDNS address (Core's
// CJDNS_PREFIX).
const cjdnsPrefix = 0xfc

// FromIP returns ip as Core reads an IP address: IPv4 and IPv4-mapped
// IPv6 are IPv4; an IPv6 address in Core's internal range
// (fd6b:88c0:8724::/48) is an internal name; one in the retired Tor v2
// range (fd87:d87e:eb43::/48) is read as the unspecified address "::",
// not valid. An IPv6 zone is dropped. The zero netip.Addr gives the zero
// Addr.
func FromIP(ip netip.Addr) Addr {
	var a Addr
	switch {
	case !ip.IsValid():
	case ip.Is4():
		a.net = IPv4
		b := ip.As4()
		copy(a.b[:], b[:])
	default:
		b := ip.As16()
		a.setLegacyIPv6(b)
	}
	return a
}

// setLegacyIPv6 reads a 16-byte address as Core's SetLegacyIPv6 does.
func (a *Addr) setLegacyIPv6(b [16]byte) {
	*a = Addr{}
	switch {
	case [12]byte(b[:12]) == ipv4InIPv6Prefix:
		a.net = IPv4
		copy(a.b[:], b[12:])
	case [6]byte(b[:6]) == torV2InIPv6Prefix:
		a.net = IPv6 // all zero: "::", not valid
	case [6]byte(b[:6]) == internalInIPv6Prefix:
		a.net = Internal
		copy(a.b[:], b[6:])
	default:
		a.net = IPv6
		copy(a.b[:], b[:])
	}
}

// FromAddrPort is FromIP of the address part of ap.
func FromAddrPort(ap netip.AddrPort) Addr { return FromIP(ap.Addr()) }

// FromBIP155 returns the address of an addrv2 entry (BIP155) from its
// network id and address bytes, as Core's UnserializeV2Stream reads it:
// ok is false for what Core reads but ignores (an unknown network id, Tor
// v2, a length that is not the network's, an IPv6 address embedding IPv4
// or Tor v2). An IPv6 address in the internal range is an internal name,
// as Core reads one back from its own files.
func FromBIP155(network uint8, b []byte) (a Addr, ok bool) {
	switch network {
	case bip155IPv4:
		a.net = IPv4
	case bip155IPv6:
		a.net = IPv6
	case bip155TorV3:
		a.net = Onion
	case bip155I2P:
		a.net = I2P
	case bip155CJDNS:
		a.net = CJDNS
	default:
		return Addr{}, false
	}
	if len(b) != a.net.size() {
		return Addr{}, false
	}
	if a.net == IPv6 {
		b16 := [16]byte(b)
		if [12]byte(b16[:12]) == ipv4InIPv6Prefix || [6]byte(b16[:6]) == torV2InIPv6Prefix {
			return Addr{}, false
		}
		a.setLegacyIPv6(b16)
		return a, true
	}
	copy(a.b[:], b)
	return a, true
}

// FromName returns the internal address standing for a name, such as a
// DNS seed's (Core's SetInternal): the first 10 bytes of the name's
// SHA-256. ok is false for an empty name.
func FromName(name string) (a Addr, ok bool) {
	if name == "" {
		return Addr{}, false
	}
	sum := sha256.Sum256([]byte(name))
	a.net = Internal
	copy(a.b[:], sum[:Internal.size()])
	return a, true
}

// Net returns the network the address was given as (Core's m_net); see
// Network for its class.
func (a Addr) Net() Network { return a.net }

// Bytes returns the address bytes: 4 for IPv4, 16 for IPv6 and CJDNS, 32
// for Tor v3 and I2P, 10 for an internal name, none for the zero Addr.
func (a Addr) Bytes() []byte { return a.b[:a.net.size()] }

// BIP155 returns the addrv2 network id and bytes of the address; ok is
// false for an internal name and the zero Addr, which are never sent.
func (a Addr) BIP155() (network uint8, b []byte, ok bool) {
	switch a.net {
	case IPv4:
		network = bip155IPv4
	case IPv6:
		network = bip155IPv6
	case Onion:
		network = bip155TorV3
	case I2P:
		network = bip155I2P
	case CJDNS:
		network = bip155CJDNS
	default:
		return 0, nil, false
	}
	return network, a.Bytes(), true
}

// IP returns the address as a netip.Addr for IPv4, IPv6 and CJDNS; ok is
// false for the others.
func (a Addr) IP() (ip netip.Addr, ok bool) {
	switch a.net {
	case IPv4:
		return netip.AddrFrom4([4]byte(a.b[:4])), true
	case IPv6, CJDNS:
		return netip.AddrFrom16([16]byte(a.b[:16])), true
	}
	return netip.Addr{}, false
}

// V1 returns the address in the 16 bytes of an addr (v1) entry, as Core
// serialises it: IPv4-mapped for IPv4, the internal range for an
// internal name; ok is false for Tor v3, I2P, CJDNS and the zero Addr,
// which need addrv2.
func (a Addr) V1() (ip netip.Addr, ok bool) {
	if !a.IsAddrV1Compatible() {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(a.legacy16()), true
}

// legacy16 returns the address as Core serialises it in 16 bytes
// (GetAddrBytes for IPv4, IPv6 and internal names).
func (a Addr) legacy16() [16]byte {
	var out [16]byte
	switch a.net {
	case IPv4:
		copy(out[:], ipv4InIPv6Prefix[:])
		copy(out[12:], a.b[:4])
	case Internal:
		copy(out[:], internalInIPv6Prefix[:])
		copy(out[6:], a.b[:10])
	default:
		copy(out[:], a.b[:16])
	}
	return out
}

// addrBytes is Core's GetAddrBytes: the 16-byte legacy form for IPv4,
// IPv6 and internal names, the address itself for the others.
func (a Addr) addrBytes() []byte {
	switch a.net {
	case IPv4, IPv6, Internal, Unroutable:
		b := a.legacy16()
		return b[:]
	}
	return a.Bytes()
}

// base32Lower is Core's base32 alphabet (RFC 4648, lower case).
var base32Lower = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567")

// String returns the address as Core prints it (ToStringAddr): dotted
// IPv4, RFC 5952 IPv6, name.onion, name.b32.i2p, name.internal.
func (a Addr) String() string {
	switch a.net {
	case IPv4, IPv6, CJDNS:
		ip, _ := a.IP()
		return ip.String()
	case Onion:
		return onionName([32]byte(a.b[:32]))
	case I2P:
		return base32Lower.WithPadding(base32.NoPadding).EncodeToString(a.b[:32]) + ".b32.i2p"
	case Internal:
		return base32Lower.EncodeToString(a.b[:10]) + ".internal"
	}
	return "::" // Core's default address
}

// Tor v3 names (Tor's rend-spec-v3): base32(pubkey | checksum | version).
const (
	torV3Version     = 3
	torV3ChecksumLen = 2
	torV3NameLen     = 32 + torV3ChecksumLen + 1
)

func torV3Checksum(pubkey []byte) [torV3ChecksumLen]byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pubkey)
	h.Write([]byte{torV3Version})
	sum := h.Sum(nil)
	return [torV3ChecksumLen]byte(sum)
}

func onionName(pubkey [32]byte) string {
	sum := torV3Checksum(pubkey[:])
	name := append(append(pubkey[:], sum[:]...), torV3Version)
	return base32Lower.EncodeToString(name) + ".onion"
}

// ErrNotAddress is returned by ParseAddr for text that is none of the
// address forms.
var ErrNotAddress = errors.New("not an IP, .onion or .b32.i2p address")

// ParseAddr reads an address without looking any name up (Core's
// LookupHost with fAllowLookup false): an IPv4 or IPv6 address,
// optionally in brackets, a Tor v3 name.onion or an I2P name.b32.i2p.
// An address in the internal range is refused, as Core refuses to
// resolve to one. IPv4 is read in its dotted-quad form only (Core
// accepts whatever the system's getaddrinfo does).
func ParseAddr(s string) (Addr, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return Addr{}, fmt.Errorf("%q: %w: contains NUL", s, ErrNotAddress)
	}
	host := s
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	if a, ok := parseSpecial(host); ok {
		return a, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return Addr{}, fmt.Errorf("%q: %w", s, ErrNotAddress)
	}
	a := FromIP(ip.WithZone(""))
	if a.net == Internal {
		return Addr{}, fmt.Errorf("%q: %w: in the internal range", s, ErrNotAddress)
	}
	return a, nil
}

// parseSpecial reads a Tor v3 or I2P name (Core's SetSpecial).
func parseSpecial(s string) (Addr, bool) {
	if name, ok := strings.CutSuffix(s, ".onion"); ok {
		b, ok := decodeBase32(name)
		if !ok || len(b) != torV3NameLen || b[torV3NameLen-1] != torV3Version {
			return Addr{}, false
		}
		if torV3Checksum(b[:32]) != [torV3ChecksumLen]byte(b[32:34]) {
			return Addr{}, false
		}
		a := Addr{net: Onion}
		copy(a.b[:], b[:32])
		return a, true
	}
	const i2pLen, suffix = 52, ".b32.i2p"
	if len(s) != i2pLen+len(suffix) || strings.ToLower(s[i2pLen:]) != suffix {
		return Addr{}, false
	}
	b, ok := decodeBase32(s[:i2pLen] + "====")
	if !ok || len(b) != 32 {
		return Addr{}, false
	}
	a := Addr{net: I2P}
	copy(a.b[:], b)
	return a, true
}

// decodeBase32 decodes as Core's DecodeBase32: either case, a length that
// is a multiple of 8 with at most the usual padding, no stray bits.
func decodeBase32(s string) ([]byte, bool) {
	if len(s)%8 != 0 {
		return nil, false
	}
	if trimmed := strings.TrimRight(s, "="); len(s)-len(trimmed) <= 6 {
		s = trimmed
	}
	var out []byte
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= 'a' && c <= 'z':
			v = c - 'a'
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		default:
			return nil, false
		}
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
			acc &= 1<<bits - 1
		}
	}
	if bits >= 5 || acc != 0 {
		return nil, false
	}
	return out, true
}
