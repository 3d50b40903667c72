package netaddr

import (
	"net/netip"
	"testing"
)

// sub is Core's LookupSubNet in the tests: the zero Subnet when s does
// not parse.
func sub(s string) Subnet {
	n, err := ParseSubnet(s)
	if err != nil {
		return Subnet{}
	}
	return n
}

func TestSubnetMatch(t *testing.T) { // subnet_test
	tests := []struct {
		subnet, addr string
		want         bool
	}{
		{"1.2.3.0/24", "1.2.3.4", true},
		{"1.2.2.0/24", "1.2.3.4", false},
		{"1.2.3.4", "1.2.3.4", true},
		{"1.2.3.4/32", "1.2.3.4", true},
		{"1.2.3.4", "5.6.7.8", false},
		{"1.2.3.4/32", "5.6.7.8", false},
		{"::ffff:127.0.0.1", "127.0.0.1", true},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", true},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:9", false},
		{"1:2:3:4:5:6:7:0/112", "1:2:3:4:5:6:7:1234", true},
		{"192.168.0.1/24", "192.168.0.2", true},
		{"192.168.0.20/29", "192.168.0.18", true},
		{"1.2.2.1/24", "1.2.2.4", true},
		{"1.2.2.110/31", "1.2.2.111", true},
		{"1.2.2.20/26", "1.2.2.63", true},
		{"::/0", "1:2:3:4:5:6:7:1234", true},
		{"::/0", "::", false},      // not a valid address
		{"::/0", "0.0.0.0", false}, // nor is this
		{"::/0", "1.2.3.4", false}, // IPv4 is not in IPv6 subnets
		{"0.0.0.0/0", "1:2:3:4:5:6:7:1234", false},
		{"", "4.5.6.7", false}, // an invalid subnet matches nothing
		{"bloop", "0.0.0.0", false},
		{"bloop", "hab", false},
		{torV3Name, torV3Name, true},
		{torV3Name, "kpgvmscirrdqpekbqjsvw5teanhatztpp2gl6eee4zkowvwfxwenqaid.onion", false},
		{torV3Name, "1.2.3.4", false},
	}
	for _, tt := range tests {
		if got := sub(tt.subnet).Match(ip(t, tt.addr)); got != tt.want {
			t.Errorf("%q matches %q: %v, want %v", tt.subnet, tt.addr, got, tt.want)
		}
	}
	if (Subnet{}).Match(ip(t, "1.2.3.4")) {
		t.Error("the zero Subnet matches")
	}
	if sub("1.2.3.0/24") != sub("1.2.3.0/255.255.255.0") || sub("1.2.3.0/24") == sub("1.2.4.0/255.255.255.0") {
		t.Error("bits and netmask forms disagree")
	}
}

func TestSubnetValid(t *testing.T) { // subnet_test, netbase_dont_resolve_strings_with_embedded_nul_characters
	tests := []struct {
		in    string
		valid bool
	}{
		{"1.2.3.0/0", true},
		{"1.2.3.0/-1", false},
		{"1.2.3.0/+24", false},
		{"1.2.3.0/32", true},
		{"1.2.3.0/33", false},
		{"1.2.3.0/300", false},
		{"1:2:3:4:5:6:7:8/0", true},
		{"1:2:3:4:5:6:7:8/33", true},
		{"1:2:3:4:5:6:7:8/-1", false},
		{"1:2:3:4:5:6:7:8/128", true},
		{"1:2:3:4:5:6:7:8/129", false},
		{"fuzzy", false},
		{"1.2.3.4/255.255.232.0", false}, // a one after a zero
		{"1.2.3.4/255.0.255.255", false},
		{"1:2:3:4:5:6:7:8/ffff:ffff:ffff:fffe:ffff:ffff:ffff:ff0f", false},
		{"1.1.1.1/ffff::", false}, // netmask of the other family
		{"::1/255.0.0.0", false},
		{torV3Name + "/200", false},
		{torV3Name + "/255.0.0.0", false},
		{"1.2.3.0/24", true},
		{"1.2.3.0/24\x00", false},
		{"1.2.3.0/24\x00example.com", false},
		{torV3Name, true},
		{torV3Name + "\x00", false},
		{torV3Name + "\x00example.com", false},
	}
	for _, tt := range tests {
		n, err := ParseSubnet(tt.in)
		if (err == nil) != tt.valid || n.IsValid() != tt.valid {
			t.Errorf("ParseSubnet(%q) = %s, %v; want valid %v", tt.in, n, err, tt.valid)
		}
	}
}

func TestSubnetString(t *testing.T) { // subnet_test
	tests := []struct{ in, want string }{
		{"127.0.0.1", "127.0.0.1/32"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/128"},
		{"1.2.3.4/32", "1.2.3.4/32"},
		{"1.2.3.4/8", "1.0.0.0/8"},
		{"1.2.3.4/0", "0.0.0.0/0"},
		{"1.2.3.4/0.0.0.0", "0.0.0.0/0"},
		{torV3Name, torV3Name},
		{"1:2:3:4:5:6:7:8/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:7:8/128"},
		{"1:2:3:4:5:6:7:8/ffff:0000:0000:0000:0000:0000:0000:0000", "1::/16"},
		{"1:2:3:4:5:6:7:8/0000:0000:0000:0000:0000:0000:0000:0000", "::/0"},
	}
	// Every IPv4 netmask, 255.255.255.255 down to 0.0.0.0.
	v4 := []string{
		"1.2.3.4/32", "1.2.3.4/31", "1.2.3.4/30", "1.2.3.0/29", "1.2.3.0/28", "1.2.3.0/27", "1.2.3.0/26",
		"1.2.3.0/25", "1.2.3.0/24", "1.2.2.0/23", "1.2.0.0/22", "1.2.0.0/21", "1.2.0.0/20", "1.2.0.0/19",
		"1.2.0.0/18", "1.2.0.0/17", "1.2.0.0/16", "1.2.0.0/15", "1.0.0.0/14", "1.0.0.0/13", "1.0.0.0/12",
		"1.0.0.0/11", "1.0.0.0/10", "1.0.0.0/9", "1.0.0.0/8", "0.0.0.0/7", "0.0.0.0/6", "0.0.0.0/5",
		"0.0.0.0/4", "0.0.0.0/3", "0.0.0.0/2", "0.0.0.0/1", "0.0.0.0/0",
	}
	for i, want := range v4 {
		m := ^uint32(0) << (i) // i zero bits at the end
		if i == 32 {
			m = 0
		}
		mask := netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)})
		tests = append(tests, struct{ in, want string }{"1.2.3.4/" + mask.String(), want})
	}
	for _, tt := range tests {
		n, err := ParseSubnet(tt.in)
		if err != nil || n.String() != tt.want {
			t.Errorf("ParseSubnet(%q) = %s, %v; want %s", tt.in, n, err, tt.want)
		}
	}
}

func TestSubnetOfAndFrom(t *testing.T) { // subnet_test, CNetAddr constructors
	lo := ip(t, "127.0.0.1")
	if s := SubnetOf(lo); !s.IsValid() || !s.Match(lo) || s.Match(ip(t, "127.0.0.2")) || s.String() != "127.0.0.1/32" {
		t.Errorf("SubnetOf(127.0.0.1) = %s", s)
	}
	for bits, want := range map[int]string{32: "1.2.3.4/32", 8: "1.0.0.0/8", 0: "0.0.0.0/0"} {
		if s, ok := SubnetFrom(ip(t, "1.2.3.4"), bits); !ok || s.String() != want {
			t.Errorf("SubnetFrom(1.2.3.4, %d) = %s, %v; want %s", bits, s, ok, want)
		}
	}
	if _, ok := SubnetFrom(ip(t, torV3Name), 200); ok {
		t.Error("SubnetFrom takes a Tor address")
	}
	if SubnetOf(internal(t, "x")).IsValid() {
		t.Error("an internal name has a subnet")
	}
	tor := SubnetOf(ip(t, torV3Name))
	if _, ok := tor.Prefix(); ok {
		t.Error("a Tor subnet has an IP prefix")
	}
}

func TestSubnetPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.2.3.4/24", "1.2.3.0/24"},
		{"::ffff:1.2.3.4/120", "1.2.3.0/24"},
		{"2001:db8::1/32", "2001:db8::/32"},
	}
	for _, tt := range tests {
		s, ok := SubnetFromPrefix(netip.MustParsePrefix(tt.in))
		p, pok := s.Prefix()
		if !ok || !pok || p.String() != tt.want || s.String() != tt.want {
			t.Errorf("SubnetFromPrefix(%s) = %s (%s), %v", tt.in, s, p, ok)
		}
	}
	if _, ok := SubnetFromPrefix(netip.Prefix{}); ok {
		t.Error("SubnetFromPrefix takes the zero Prefix")
	}
}
