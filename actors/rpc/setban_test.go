package rpc

import "testing"

func TestBanSubnet(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means invalid
	}{
		{in: "1.2.3.4", want: "1.2.3.4/32"},
		{in: "1.2.3.4/24", want: "1.2.3.0/24"},
		{in: "1.2.3.4/255.255.0.0", want: "1.2.0.0/16"},
		{in: "::1", want: "::1/128"},
		{in: "2001:db8::1/32", want: "2001:db8::/32"},
		{in: "::ffff:1.2.3.4", want: "1.2.3.4/32"},
		{in: "[1.2.3.4]", want: "1.2.3.4/32"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "0.0.0.0"}, // an address must be valid, as in Core's setban
		{in: "1.2.3.4/255.0.255.0"},
		{in: "1.2.3.4/33"},
		{in: "example.com"},
		{in: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"}, // not an IP subnet
		{in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, ok := banSubnet(tt.in)
			if tt.want == "" {
				if ok {
					t.Fatalf("banSubnet(%q) = %v, want invalid", tt.in, p)
				}
				return
			}
			if !ok || p.String() != tt.want {
				t.Fatalf("banSubnet(%q) = %v, %v; want %s", tt.in, p, ok, tt.want)
			}
		})
	}
}
