package httplimit

import (
	"net/netip"
	"testing"
)

func TestClientAllowed(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}
	for remote, want := range map[string]bool{
		"127.0.0.1:5000":       true,
		"[::1]:5000":           true,
		"[::ffff:127.0.0.2]:1": true,
		"10.1.2.3:80":          true,
		"[::ffff:10.1.2.3]:80": true,
		"10.2.0.1:80":          false,
		"192.0.2.1:80":         false,
		"not an address":       false,
	} {
		if got := ClientAllowed(remote, allow); got != want {
			t.Errorf("ClientAllowed(%q) = %v, want %v", remote, got, want)
		}
	}
}
