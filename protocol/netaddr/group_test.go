package netaddr

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestGroup(t *testing.T) { // netbase_getgroup
	tests := []struct {
		addr Addr
		want []byte
	}{
		{ip(t, "127.0.0.1"), []byte{0}},   // local: unroutable
		{ip(t, "257.0.0.1"), []byte{0}},   // not valid
		{ip(t, "10.0.0.1"), []byte{0}},    // RFC1918
		{ip(t, "169.254.1.1"), []byte{0}}, // RFC3927
		{ip(t, "1.2.3.4"), []byte{byte(IPv4), 1, 2}},
		{ip(t, "::FFFF:0:102:304"), []byte{byte(IPv4), 1, 2}},                                     // RFC6145
		{ip(t, "64:FF9B::102:304"), []byte{byte(IPv4), 1, 2}},                                     // RFC6052
		{ip(t, "2002:102:304:9999:9999:9999:9999:9999"), []byte{byte(IPv4), 1, 2}},                // RFC3964
		{ip(t, "2001:0:9999:9999:9999:9999:FEFD:FCFB"), []byte{byte(IPv4), 1, 2}},                 // RFC4380
		{ip(t, "2001:470:abcd:9999:9999:9999:9999:9999"), []byte{byte(IPv6), 32, 1, 4, 112, 175}}, // he.net
		{ip(t, "2001:2001:9999:9999:9999:9999:9999:9999"), []byte{byte(IPv6), 32, 1, 32, 1}},      // IPv6
		// baz.net's SHA-256 starts 12929400eb4607c4ac07
		{internal(t, "baz.net"), []byte{byte(Internal), 0x12, 0x92, 0x94, 0x00, 0xeb, 0x46, 0x07, 0xc4, 0xac, 0x07}},
		// the networks of random keys: the first 4 bits, 12 for CJDNS
		{ip(t, torV3Name), []byte{byte(Onion), 0x79 | 0x0f}},
		{ip(t, i2pName), []byte{byte(I2P), 0xa0 | 0x0f}},
		{cjdns(0xfc, 0x12, 0x34), []byte{byte(CJDNS), 0xfc, 0x12 | 0x0f}},
	}
	for _, tt := range tests {
		if got := Group(tt.addr); !bytes.Equal(got, tt.want) {
			t.Errorf("Group(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func cjdns(b ...byte) Addr {
	full := make([]byte, 16)
	copy(full, b)
	a, _ := FromBIP155(bip155CJDNS, full)
	return a
}

func TestTestGroup(t *testing.T) {
	lo := ip(t, "127.0.0.1")
	if bytes.Equal(AppendTestGroup(nil, lo, 1), AppendTestGroup(nil, lo, 2)) {
		t.Error("two local endpoints share a test group")
	}
	if bytes.Equal(AppendTestGroup(nil, lo, 1), AppendTestGroup(nil, ip(t, "10.0.0.1"), 1)) {
		t.Error("two local addresses share a test group")
	}
	pub := ip(t, "1.2.3.4")
	if !bytes.Equal(AppendTestGroup(nil, pub, 8333), Group(pub)) {
		t.Error("a public address's test group is not its group")
	}
	if got := AppendGroup([]byte{9}, pub); !bytes.Equal(got, []byte{9, byte(IPv4), 1, 2}) {
		t.Errorf("AppendGroup does not append: %v", got)
	}
}

func TestSourceNet(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4":         "1.2.3.0/24",
		"::ffff:1.2.3.4":  "1.2.3.0/24",
		"2001:db8:1:2::5": "2001:db8:1:2::/64",
		"127.0.0.1":       "127.0.0.0/24",
	} {
		if got := SourceNet(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("SourceNet(%s) = %s, want %s", in, got, want)
		}
	}
}
