package netaddr

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseAndString(t *testing.T) { // cnetaddr_basic, embedded_test
	tests := []struct {
		in, want string
		net      Network
	}{
		{"0.0.0.0", "0.0.0.0", IPv4},
		{"255.255.255.255", "255.255.255.255", IPv4},
		{"12.34.56.78", "12.34.56.78", IPv4},
		{"::", "::", IPv6},
		{"1122:3344:5566:7788:9900:aabb:ccdd:eeff", "1122:3344:5566:7788:9900:aabb:ccdd:eeff", IPv6},
		{"::FFFF:0102:0304", "1.2.3.4", IPv4},
		{"[127.0.0.1]", "127.0.0.1", IPv4},
		{"[::1]", "::1", IPv6},
		{torV3Name, torV3Name, Onion},
		{i2pName, strings.ToLower(i2pName), I2P},
		{"fd6c:88c0:8724:1:2:3:4:5", "fd6c:88c0:8724:1:2:3:4:5", IPv6},
	}
	for _, tt := range tests {
		a, err := ParseAddr(tt.in)
		if err != nil {
			t.Errorf("ParseAddr(%q): %v", tt.in, err)
			continue
		}
		if a.String() != tt.want || a.Net() != tt.net {
			t.Errorf("ParseAddr(%q) = %s (%s), want %s (%s)", tt.in, a, a.Net(), tt.want, tt.net)
		}
	}
	for _, bad := range []string{
		"", "bloop", "hab", "257.0.0.1", "127.0.0.1\x00", "127.0.0.1\x00example.com",
		"6hzph5hv6337r6p2.onion", // Tor v2
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscsad.onion", // checksum
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrye.onion", // version
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd\x00wtf.onion",
		"mfrggzak.onion", "mf*g zak.onion",
		"udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jn=.b32.i2p",
		"udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna=.b32.i2p",
		"udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v\x00wtf.b32.i2p",
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscsad.b32.i2p",
		"tp*szydbh4dp.b32.i2p",
		"fd6b:88c0:8724:1:2:3:4:5", // resolves to an internal address
	} {
		if a, err := ParseAddr(bad); err == nil {
			t.Errorf("ParseAddr(%q) = %s, want an error", bad, a)
		}
	}
}

func TestInternalName(t *testing.T) {
	a := internal(t, "esffpp")
	if got := a.String(); got != "esffpvrt3wpeaygy.internal" {
		t.Errorf("internal name prints %q", got)
	}
	if !a.IsAddrV1Compatible() || a.IsRelayable() {
		t.Error("internal: want v1-compatible and not relayable")
	}
	if _, ok := FromName(""); ok {
		t.Error("FromName accepts an empty name")
	}
	// Written into IPv6, it reads back as the same name.
	v1, ok := a.V1()
	if back := FromIP(v1); !ok || back != a || !v1.Is6() {
		t.Errorf("internal name round trip: %s via %s", back, v1)
	}
	if v1, ok := ip(t, "1.2.3.4").V1(); !ok || v1 != netip.MustParseAddr("::ffff:1.2.3.4") {
		t.Errorf("IPv4 in v1 form: %s", v1)
	}
	if _, ok := ip(t, torV3Name).V1(); ok {
		t.Error("a Tor v3 address has a v1 form")
	}
}

func TestFromBIP155(t *testing.T) {
	v4mapped := netip.MustParseAddr("::ffff:1.2.3.4").As16()
	torv2 := netip.MustParseAddr("fd87:d87e:eb43::1").As16()
	internalIP := netip.MustParseAddr("fd6b:88c0:8724:1:2:3:4:5").As16()
	tests := []struct {
		name string
		net  uint8
		b    []byte
		ok   bool
		want Network
	}{
		{"ipv4", 1, []byte{1, 2, 3, 4}, true, IPv4},
		{"ipv4 short", 1, []byte{1, 2, 3}, false, 0},
		{"ipv6", 2, make([]byte, 16), true, IPv6},
		{"ipv6 embedding ipv4", 2, v4mapped[:], false, 0},
		{"ipv6 embedding torv2", 2, torv2[:], false, 0},
		{"ipv6 internal", 2, internalIP[:], true, Internal},
		{"torv2", 3, make([]byte, 10), false, 0},
		{"torv3", 4, make([]byte, 32), true, Onion},
		{"i2p", 5, make([]byte, 32), true, I2P},
		{"cjdns", 6, make([]byte, 16), true, CJDNS},
		{"unknown", 7, make([]byte, 16), false, 0},
	}
	for _, tt := range tests {
		a, ok := FromBIP155(tt.net, tt.b)
		if ok != tt.ok || (ok && a.Net() != tt.want) {
			t.Errorf("%s: FromBIP155 = %s (%s), %v; want %s, %v", tt.name, a, a.Net(), ok, tt.want, tt.ok)
		}
		if ok && tt.want != Internal {
			n, b, ok := a.BIP155()
			if !ok || n != tt.net || string(b) != string(tt.b) {
				t.Errorf("%s: BIP155() = %d %x %v", tt.name, n, b, ok)
			}
		}
	}
}

func TestIP(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "2a01:4f8::1"} {
		want := netip.MustParseAddr(s)
		got, ok := FromIP(want).IP()
		if !ok || got != want {
			t.Errorf("IP() of %s = %s, %v", s, got, ok)
		}
	}
	if got, _ := FromIP(netip.MustParseAddr("::ffff:1.2.3.4")).IP(); got != netip.MustParseAddr("1.2.3.4") {
		t.Errorf("mapped IPv4 comes back as %s", got)
	}
	if _, ok := ip(t, torV3Name).IP(); ok {
		t.Error("a Tor address has an IP")
	}
}
