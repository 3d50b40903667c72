package machine

import (
	"net"
	"testing"
)

// TestSplitHostPortAsNet: the machine may not import net, so it splits
// names itself; it must agree with net.SplitHostPort.
func TestSplitHostPortAsNet(t *testing.T) {
	for _, s := range []string{
		"", "host", "host:", "host:1", ":1", "a:b:c", "[::1]", "[::1]:", "[::1]:5", "[host]:5",
		"[a]b:5", "[a]:5]", "[a:5", "a]:5", "a[:5", "[[a]]:5", "[a]:[5]", "1.2.3.4:8333", "x:y:z:9",
	} {
		host, port, ok := splitHostPort(s)
		nh, np, err := net.SplitHostPort(s)
		if ok != (err == nil) || ok && (host != nh || port != np) {
			t.Errorf("%q: got %q %q %v, net says %q %q %v", s, host, port, ok, nh, np, err)
		}
	}
}

func FuzzSplitHostPortAsNet(f *testing.F) {
	for _, s := range []string{"host:1", "[::1]:5", "a:b", "[a]b:5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, port, ok := splitHostPort(s)
		nh, np, err := net.SplitHostPort(s)
		if ok != (err == nil) || ok && (host != nh || port != np) {
			t.Errorf("%q: got %q %q %v, net says %q %q %v", s, host, port, ok, nh, np, err)
		}
	})
}
