package netaddr

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Subnet is Core's CSubNet: an IPv4 or IPv6 network and its prefix
// length, or a single Tor v3, I2P or CJDNS address. The zero Subnet is
// not valid and matches nothing. Subnets are comparable.
type Subnet struct {
	network Addr // masked by bits for IPv4 and IPv6
	bits    int  // prefix length for IPv4 and IPv6
}

// ErrNotSubnet is returned by ParseSubnet for text that is none of the
// subnet forms.
var ErrNotSubnet = errors.New("not an IP, IP/bits or IP/netmask")

// SubnetOf returns the subnet holding a alone (Core's CSubNet(addr)):
// /32 for IPv4, /128 for IPv6, the address itself for Tor v3, I2P and
// CJDNS. The zero Subnet for an internal name or the zero Addr.
func SubnetOf(a Addr) Subnet {
	switch a.net {
	case IPv4, IPv6:
		return Subnet{network: a, bits: a.net.size() * 8}
	case Onion, I2P, CJDNS:
		return Subnet{network: a}
	}
	return Subnet{}
}

// SubnetFrom returns the subnet of an IPv4 or IPv6 address and prefix
// length, masked (Core's CSubNet(addr, mask)); ok is false for another
// network or a length longer than the address.
func SubnetFrom(a Addr, bits int) (s Subnet, ok bool) {
	if (!a.IsIPv4() && !a.IsIPv6()) || bits < 0 || bits > a.net.size()*8 {
		return Subnet{}, false
	}
	return Subnet{network: mask(a, bits), bits: bits}, true
}

// mask clears the bits of a past the first bits.
func mask(a Addr, bits int) Addr {
	for i := range a.net.size() {
		n := min(max(bits-8*i, 0), 8)
		a.b[i] &= byte(0xff << (8 - n))
	}
	return a
}

// SubnetFromPrefix returns the subnet of an IP prefix, masked; an
// IPv4-mapped prefix is the IPv4 one when its length reaches the IPv4
// part. ok is false for an invalid prefix.
func SubnetFromPrefix(p netip.Prefix) (s Subnet, ok bool) {
	if !p.IsValid() {
		return Subnet{}, false
	}
	a, bits := FromIP(p.Addr()), p.Bits()
	if p.Addr().Is4In6() {
		bits -= 96
	}
	return SubnetFrom(a, bits)
}

// ParseSubnet reads a subnet as Core's LookupSubNet does (setban,
// -rpcallowip, banlist.json): an address (ParseAddr: IP, .onion, .b32.i2p)
// alone, or an IP address and "/bits" (decimal, at most the address's
// length) or "/netmask" (an address of the same family whose one bits
// all come before its zero bits). The network is masked: "1.2.3.4/24" is
// 1.2.3.0/24.
func ParseSubnet(s string) (Subnet, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return Subnet{}, fmt.Errorf("%q: %w: contains NUL", s, ErrNotSubnet)
	}
	host, maskText, hasMask := s, "", false
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		host, maskText, hasMask = s[:i], s[i+1:], true
	}
	a, err := ParseAddr(host)
	if err != nil {
		return Subnet{}, fmt.Errorf("%q: %w", s, ErrNotSubnet)
	}
	if !hasMask {
		sub := SubnetOf(a)
		if sub == (Subnet{}) {
			return Subnet{}, fmt.Errorf("%q: %w", s, ErrNotSubnet)
		}
		return sub, nil
	}
	if bits, ok := parseUint8(maskText); ok {
		sub, ok := SubnetFrom(a, bits)
		if !ok {
			return Subnet{}, fmt.Errorf("%q: %w: /%d does not fit a %s address", s, ErrNotSubnet, bits, a.net)
		}
		return sub, nil
	}
	m, err := ParseAddr(maskText)
	if err != nil {
		return Subnet{}, fmt.Errorf("%q: %w: bad netmask", s, ErrNotSubnet)
	}
	sub, ok := subnetFromNetmask(a, m)
	if !ok {
		return Subnet{}, fmt.Errorf("%q: %w: netmask %s is not contiguous or not of the address's family", s, ErrNotSubnet, m)
	}
	return sub, nil
}

// parseUint8 reads a decimal number of 0 to 255 as Core's
// ToIntegral<uint8_t>: digits only, no sign.
func parseUint8(s string) (int, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 8)
	return int(n), err == nil
}

// subnetFromNetmask is Core's CSubNet(addr, mask): both of one family,
// the mask's one bits all before its zero bits.
func subnetFromNetmask(a, m Addr) (Subnet, bool) {
	if (!a.IsIPv4() && !a.IsIPv6()) || a.net != m.net {
		return Subnet{}, false
	}
	bits, zeros := 0, false
	for _, c := range m.Bytes() {
		n, ok := netmaskBits(c)
		if !ok || (zeros && n != 0) {
			return Subnet{}, false
		}
		if n < 8 {
			zeros = true
		}
		bits += n
	}
	return Subnet{network: mask(a, bits), bits: bits}, true
}

// netmaskBits counts the leading ones of a netmask byte; ok is false for
// a byte with a one after a zero.
func netmaskBits(c byte) (int, bool) {
	n := 0
	for c&0x80 != 0 {
		n++
		c <<= 1
	}
	return n, c == 0
}

// IsValid reports whether the subnet is one (the zero Subnet is not).
func (s Subnet) IsValid() bool { return s.network.net != Unroutable }

// Network returns the subnet's (masked) network address.
func (s Subnet) Network() Addr { return s.network }

// Bits returns the prefix length of an IPv4 or IPv6 subnet, 0 for others.
func (s Subnet) Bits() int { return s.bits }

// Prefix returns an IPv4 or IPv6 subnet as a netip.Prefix; ok is false
// for a Tor v3, I2P or CJDNS subnet and the zero Subnet.
func (s Subnet) Prefix() (p netip.Prefix, ok bool) {
	if !s.network.IsIPv4() && !s.network.IsIPv6() {
		return netip.Prefix{}, false
	}
	ip, _ := s.network.IP()
	return netip.PrefixFrom(ip, s.bits), true
}

// Match reports whether a is a valid address in the subnet (Core's
// CSubNet::Match): of the subnet's network and, for IPv4 and IPv6, equal
// to it in the first Bits bits; for the others, the subnet's address.
func (s Subnet) Match(a Addr) bool {
	if !s.IsValid() || !a.IsValid() || a.net != s.network.net {
		return false
	}
	if a.IsIPv4() || a.IsIPv6() {
		return mask(a, s.bits) == s.network
	}
	return a == s.network
}

// String returns the subnet as Core writes it (CSubNet::ToString):
// "1.2.3.0/24", "1::/16", and the bare address of a Tor v3, I2P or CJDNS
// subnet.
func (s Subnet) String() string {
	if s.network.IsIPv4() || s.network.IsIPv6() {
		return s.network.String() + "/" + strconv.Itoa(s.bits)
	}
	return s.network.String()
}
