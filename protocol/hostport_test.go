package protocol

import (
	"strings"
	"testing"
)

func TestSplitHostPort(t *testing.T) {
	for _, tc := range []struct {
		in   string
		host string
		port uint16
		err  string
	}{
		{in: "seed.example.org", host: "seed.example.org"},
		{in: "seed.example.org:8333", host: "seed.example.org", port: 8333},
		{in: "1.2.3.4", host: "1.2.3.4"},
		{in: "1.2.3.4:18444", host: "1.2.3.4", port: 18444},
		{in: "::1", host: "::1"},
		{in: "2001:db8::1", host: "2001:db8::1"},
		{in: "[::1]", host: "::1"},
		{in: "[2001:db8::1]:8333", host: "2001:db8::1", port: 8333},
		{in: "abcdefghijklmnop.onion:9050", host: "abcdefghijklmnop.onion", port: 9050},
		{in: "", err: "no host"},
		{in: ":8333", err: "no host"},
		{in: "[]:8333", err: "no host"},
		{in: "host:", err: "bad port"},
		{in: "host:0", err: "bad port"},
		{in: "host:65536", err: "bad port"},
		{in: "host:-1", err: "bad port"},
		{in: "host:http", err: "bad port"},
		{in: "[::1]:0", err: "bad port"},
		{in: "bad host", err: "is not HOST"},
		{in: "http://host/", err: "bad port"},
		{in: "host/24", err: "is not HOST"},
		{in: "host\x1b[2J", err: "is not HOST"},
		{in: "[1.2.3.4]:8333", err: "not an IPv6"},
		{in: "[nonsense]", err: "not an IPv6"},
		{in: "1:2:3", err: "not an IPv6"},
		{in: strings.Repeat("a", 256), err: "is not HOST"},
	} {
		host, port, err := SplitHostPort(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SplitHostPort(%q) = %q %d %v, want an error with %q", tc.in, host, port, err, tc.err)
			}
			continue
		}
		if err != nil || host != tc.host || port != tc.port {
			t.Errorf("SplitHostPort(%q) = %q %d %v, want %q %d", tc.in, host, port, err, tc.host, tc.port)
		}
	}
}
