package main

import (
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"testing"
	"time"
)

// A key set both in config.yaml and as a flag takes the flag's value,
// whatever the order on the command line; a list key given as a flag
// replaces the file's list; keys only in the file keep the file's value.
func TestFlagWinsOverTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.yaml")
	file := "network: regtest\n" +
		"port: 18445\n" +
		"maxconnections: 10\n" +
		"listen: true\n" +
		"bind: [127.0.0.1, 127.0.0.2]\n" +
		"debug: [net]\n" +
		"pinginterval: 30s\n" +
		"blocksonly: true\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"-signet", "-port=18446", "-maxconnections=20", "-listen=0", "-bind=127.0.0.3",
		"-debug=addrman", "-pinginterval=45s"}
	for _, args := range [][]string{
		append([]string{"-config=" + path}, flags...),
		append(slices.Clone(flags), "-config="+path), // -config last: the flags still win
	} {
		cfg, err := loadConfig(args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, c := range []struct {
			key       string
			got, want any
		}{
			{"network", cfg.Network, "signet"},
			{"port", cfg.Port, 18446},
			{"maxconnections", cfg.MaxConnections, 20},
			{"listen", cfg.Listen, false},
			{"bind", cfg.Bind, []string{"127.0.0.3"}},
			{"debug", cfg.Debug, []string{"addrman"}},
			{"pinginterval", cfg.PingInterval, 45 * time.Second},
			{"blocksonly (file only)", cfg.BlocksOnly, true},
		} {
			if !equal(c.got, c.want) {
				t.Errorf("%v: %s = %v, want %v", args, c.key, c.got, c.want)
			}
		}
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, ok := b.([]string)
		return ok && slices.Equal(as, bs)
	}
	return a == b
}

// Port mapping is off unless asked for: by default, with the shipped
// config.yaml (make run), and in every node of make demo. The tests start
// their nodes from these defaults (nodetest.Regtest, the binary with
// config.yaml), so none of them sends a request to the machine's router.
func TestPortMappingOffByDefault(t *testing.T) {
	for _, args := range [][]string{{}, {"-config=config.yaml"}, {"-config=config.yaml", "-regtest"}} {
		cfg, err := loadConfig(args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if cfg.NATPMP || cfg.UPnP {
			t.Errorf("%v: natpmp %v upnp %v, want both off", args, cfg.NATPMP, cfg.UPnP)
		}
	}
	dir := t.TempDir()
	for i, d := range demoNodes {
		cfg := demoConfig(dir, i)
		if cfg.NATPMP || cfg.UPnP {
			t.Errorf("demo %s: natpmp %v upnp %v, want both off", d.name, cfg.NATPMP, cfg.UPnP)
		}
		if cfg.Network != "regtest" || cfg.DNSSeed || cfg.FixedSeeds {
			t.Errorf("demo %s: network %s dnsseed %v fixedseeds %v, want regtest without seeds",
				d.name, cfg.Network, cfg.DNSSeed, cfg.FixedSeeds)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("demo %s: %v", d.name, err)
		}
	}
}

// The binary runs with GOGC=50 unless the GOGC environment variable is set.
func TestGCPercentUnlessGOGCSet(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	setGCPercent("")
	if got := debug.SetGCPercent(100); got != gcPercent || gcPercent != 50 {
		t.Errorf("without GOGC the GC percent is %d (gcPercent %d), want 50", got, gcPercent)
	}
	setGCPercent("80") // the runtime has applied GOGC=80 already: left alone
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set the GC percent was changed to %d", got)
	}
}
