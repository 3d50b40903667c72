package node

import "testing"

func TestKindOf(t *testing.T) {
	for path, want := range map[string]string{
		"node": "node", "node/connmgr/peer-17": "peer", "node/dispatcher/chain": "chain", "node/io": "io",
	} {
		if got := kindOf(path); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestCoreVersion(t *testing.T) {
	for v, want := range map[string]int{"0.1.0": 100, "27.1.2": 270102, "v1.2.3-rc1": 10203, "dev": 0} {
		if got := coreVersion(v); got != want {
			t.Errorf("coreVersion(%q) = %d, want %d", v, got, want)
		}
	}
}
