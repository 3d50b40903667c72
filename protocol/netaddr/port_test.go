package netaddr

import "testing"

func TestIsBadPort(t *testing.T) { // isbadport
	for _, p := range []uint16{1, 22, 6000, 25, 27017} {
		if !IsBadPort(p) {
			t.Errorf("IsBadPort(%d) = false", p)
		}
	}
	for _, p := range []uint16{0, 80, 443, 8333, 18444, 65535} {
		if IsBadPort(p) {
			t.Errorf("IsBadPort(%d) = true", p)
		}
	}
	n := 0
	for p := 1; p <= 65535; p++ {
		if IsBadPort(uint16(p)) {
			n++
		}
	}
	if n != 85 {
		t.Errorf("%d bad ports, want Core's 85", n)
	}
}
