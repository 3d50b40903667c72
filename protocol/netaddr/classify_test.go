package netaddr

import (
	"testing"
)

// The cases of these tests are Core's (src/test/netbase_tests.cpp and
// net_tests.cpp), written as tables.

const (
	torV3Name = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
	i2pName   = "UDHDrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.I2P"
)

// ip parses s as Core's ResolveIP in the tests: an invalid Addr when s
// does not parse.
func ip(t *testing.T, s string) Addr {
	t.Helper()
	a, err := ParseAddr(s)
	if err != nil {
		return Addr{}
	}
	return a
}

func internal(t *testing.T, name string) Addr {
	t.Helper()
	a, ok := FromName(name)
	if !ok {
		t.Fatalf("FromName(%q) failed", name)
	}
	return a
}

func TestNetworks(t *testing.T) { // netbase_networks
	tests := []struct {
		addr Addr
		want Network
	}{
		{ip(t, "127.0.0.1"), Unroutable},
		{ip(t, "::1"), Unroutable},
		{ip(t, "8.8.8.8"), IPv4},
		{ip(t, "2001::8888"), IPv6},
		{ip(t, torV3Name), Onion},
		{internal(t, "foo.com"), Internal},
	}
	for _, tt := range tests {
		if got := tt.addr.Network(); got != tt.want {
			t.Errorf("%s: Network() = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

func TestProperties(t *testing.T) { // netbase_properties
	tests := []struct {
		addr string
		name string
		is   func(Addr) bool
	}{
		{"127.0.0.1", "IPv4", Addr.IsIPv4},
		{"::FFFF:192.168.1.1", "IPv4", Addr.IsIPv4},
		{"::1", "IPv6", Addr.IsIPv6},
		{"10.0.0.1", "RFC1918", Addr.IsRFC1918},
		{"192.168.1.1", "RFC1918", Addr.IsRFC1918},
		{"172.31.255.255", "RFC1918", Addr.IsRFC1918},
		{"198.18.0.0", "RFC2544", Addr.IsRFC2544},
		{"198.19.255.255", "RFC2544", Addr.IsRFC2544},
		{"2001:0DB8::", "RFC3849", Addr.IsRFC3849},
		{"169.254.1.1", "RFC3927", Addr.IsRFC3927},
		{"2002::1", "RFC3964", Addr.IsRFC3964},
		{"FC00::", "RFC4193", Addr.IsRFC4193},
		{"2001::2", "RFC4380", Addr.IsRFC4380},
		{"2001:10::", "RFC4843", Addr.IsRFC4843},
		{"2001:20::", "RFC7343", Addr.IsRFC7343},
		{"FE80::", "RFC4862", Addr.IsRFC4862},
		{"64:FF9B::", "RFC6052", Addr.IsRFC6052},
		{torV3Name, "Tor", Addr.IsTor},
		{"127.0.0.1", "Local", Addr.IsLocal},
		{"::1", "Local", Addr.IsLocal},
		{"8.8.8.8", "Routable", Addr.IsRoutable},
		{"2001::1", "Routable", Addr.IsRoutable},
		{"127.0.0.1", "Valid", Addr.IsValid},
	}
	for _, tt := range tests {
		if !tt.is(ip(t, tt.addr)) {
			t.Errorf("%s is not %s", tt.addr, tt.name)
		}
	}
	for _, name := range []string{"FD6B:88C0:8724:edb1:8e4:3588:e546:35ca", "bar.com"} {
		if !internal(t, name).IsInternal() {
			t.Errorf("FromName(%q) is not internal", name)
		}
	}
}

// TestRangesAreTheirOwnNetworks checks that an IPv4 range predicate never
// holds for IPv6 and the other way round, and pins the edges of each range.
func TestRangeEdges(t *testing.T) {
	tests := []struct {
		addr string
		is   func(Addr) bool
		want bool
	}{
		{"172.15.255.255", Addr.IsRFC1918, false},
		{"172.32.0.0", Addr.IsRFC1918, false},
		{"::ffff:10.0.0.1", Addr.IsRFC1918, true},
		{"198.20.0.0", Addr.IsRFC2544, false},
		{"100.63.255.255", Addr.IsRFC6598, false},
		{"100.64.0.0", Addr.IsRFC6598, true},
		{"100.127.255.255", Addr.IsRFC6598, true},
		{"100.128.0.0", Addr.IsRFC6598, false},
		{"192.0.2.1", Addr.IsRFC5737, true},
		{"198.51.100.1", Addr.IsRFC5737, true},
		{"203.0.113.1", Addr.IsRFC5737, true},
		{"203.0.114.1", Addr.IsRFC5737, false},
		{"fe80:0:0:1::", Addr.IsRFC4862, false},
		{"fe00::", Addr.IsRFC4193, false},
		{"fdff::", Addr.IsRFC4193, true},
		{"2001:2f::", Addr.IsRFC7343, true},
		{"2001:1f::", Addr.IsRFC4843, true},
		{"2001:30::", Addr.IsRFC7343, false},
		{"::ffff:0:1.2.3.4", Addr.IsRFC6145, true},
		{"2001:470::", Addr.IsHeNet, true},
		{"2001:471::", Addr.IsHeNet, false},
		{"0.1.2.3", Addr.IsLocal, true},
		{"::2", Addr.IsLocal, false},
		{"::", Addr.IsBindAny, true},
		{"0.0.0.0", Addr.IsBindAny, true},
		{"::ffff:127.0.0.1", Addr.IsLocal, true},
	}
	for _, tt := range tests {
		if got := tt.is(ip(t, tt.addr)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestValidAndRoutable(t *testing.T) {
	tests := []struct {
		addr            string
		valid, routable bool
	}{
		// cnetaddr_basic
		{"0.0.0.0", false, false},
		{"255.255.255.255", false, false},
		{"12.34.56.78", true, true},
		{"::", false, false},
		{"1122:3344:5566:7788:9900:aabb:ccdd:eeff", true, true},
		{"fe80::1", true, false},
		{torV3Name, true, true},
		{i2pName, true, true},
		// each range IsRoutable excludes
		{"10.1.2.3", true, false},
		{"198.18.0.1", true, false},
		{"169.254.0.1", true, false},
		{"100.64.0.1", true, false},
		{"192.0.2.1", true, false},
		{"fc00::1", true, false},
		{"2001:10::1", true, false},
		{"2001:20::1", true, false},
		{"127.0.0.1", true, false},
		{"::1", true, false},
		{"2001:db8::1", false, false},
		// what Core counts routable: tunnels, translation, multicast
		{"2002:102:304::1", true, true},
		{"2001::1", true, true},
		{"64:ff9b::102:304", true, true},
		{"224.0.0.1", true, true},
		{"ff02::1", true, true},
		{"240.0.0.1", true, true},
		// Tor v2 inside IPv6 reads as "::"
		{"fd87:d87e:eb43::1", false, false},
	}
	for _, tt := range tests {
		a := ip(t, tt.addr)
		if got := a.IsValid(); got != tt.valid {
			t.Errorf("%s: IsValid() = %v, want %v", tt.addr, got, tt.valid)
		}
		if got := a.IsRoutable(); got != tt.routable {
			t.Errorf("%s: IsRoutable() = %v, want %v", tt.addr, got, tt.routable)
		}
	}
	if a := internal(t, "esffpp"); a.IsValid() || a.IsRoutable() {
		t.Error("an internal name is valid or routable")
	}
	var zero Addr
	if zero.IsValid() || zero.IsRoutable() || zero.Network() != Unroutable {
		t.Error("the zero Addr is valid, routable or of a network")
	}
}

func TestCJDNSValidity(t *testing.T) {
	b := make([]byte, 16)
	b[0] = 0xfc
	b[15] = 1
	a, ok := FromBIP155(bip155CJDNS, b)
	if !ok || !a.IsValid() || !a.IsRoutable() || !a.IsCJDNS() {
		t.Fatalf("CJDNS fc00::1: ok %v valid %v routable %v", ok, a.IsValid(), a.IsRoutable())
	}
	b[0] = 0xfd
	if a, _ := FromBIP155(bip155CJDNS, b); a.IsValid() {
		t.Error("a CJDNS address without the fc prefix is valid")
	}
}

func TestLocalNet(t *testing.T) {
	tests := []struct {
		addr            string
		localNet, local bool // IsLocalNet, IsRoutableOrLocal(true)
	}{
		{"127.0.0.1", true, true},
		{"10.0.0.1", true, true},
		{"192.168.1.1", true, true},
		{"169.254.1.1", true, true},
		{"fe80::1", true, true},
		{"fd00::1", true, true},
		{"::1", true, true},
		{"1.2.3.4", false, true},
		{"100.64.0.1", false, false},
		{"192.0.2.1", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
	}
	for _, tt := range tests {
		a := ip(t, tt.addr)
		if got := a.IsLocalNet(); got != tt.localNet {
			t.Errorf("%s: IsLocalNet() = %v, want %v", tt.addr, got, tt.localNet)
		}
		if got := a.IsRoutableOrLocal(true); got != tt.local {
			t.Errorf("%s: IsRoutableOrLocal(true) = %v, want %v", tt.addr, got, tt.local)
		}
		if got := a.IsRoutableOrLocal(false); got != a.IsRoutable() {
			t.Errorf("%s: IsRoutableOrLocal(false) = %v, want IsRoutable %v", tt.addr, got, a.IsRoutable())
		}
	}
}

func TestLinkedIPv4(t *testing.T) {
	for _, s := range []string{
		"1.2.3.4", "::FFFF:0:102:304", "64:FF9B::102:304",
		"2002:102:304:9999:9999:9999:9999:9999", "2001:0:9999:9999:9999:9999:FEFD:FCFB",
	} {
		v4, ok := ip(t, s).LinkedIPv4()
		if !ok || v4 != [4]byte{1, 2, 3, 4} {
			t.Errorf("%s: LinkedIPv4() = %v, %v; want 1.2.3.4", s, v4, ok)
		}
	}
	if _, ok := ip(t, "2001:db8::1").LinkedIPv4(); ok {
		t.Error("documentation IPv6 carries an IPv4 address")
	}
}
