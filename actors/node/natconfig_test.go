package node_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
)

func TestNATConfigKeys(t *testing.T) {
	d := node.DefaultConfig()
	if d.NATPMP || d.UPnP || !d.Discover || d.PortMapLifetime != 40*time.Minute {
		t.Fatalf("defaults: natpmp %v upnp %v discover %v lifetime %v", d.NATPMP, d.UPnP, d.Discover, d.PortMapLifetime)
	}
	tests := []struct {
		name, key, value string
		wantKey          string // "" : valid
	}{
		{"gateway", "natpmpgateway", "192.168.1.1", ""},
		{"gateway not an IP", "natpmpgateway", "router.lan", "natpmpgateway"},
		{"externalip with port", "externalip", "1.2.3.4:8333", ""},
		{"externalip IPv6", "externalip", "2001:db8::1", ""},
		{"externalip bad", "externalip", "my.host", "externalip"},
		{"lifetime", "portmaplifetime", "10m", ""},
		{"lifetime too short", "portmaplifetime", "1s", "portmaplifetime"},
		{"natpmp", "natpmp", "1", ""},
		{"upnp", "upnp", "yes", "upnp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := node.DefaultConfig()
			err := node.SetConfigString(&cfg, tt.key, tt.value, true)
			if err == nil {
				err = cfg.Validate()
			}
			var ce *node.ConfigError
			switch {
			case tt.wantKey == "" && err != nil:
				t.Fatalf("%s=%s: %v", tt.key, tt.value, err)
			case tt.wantKey != "" && (!errors.As(err, &ce) || ce.Key != tt.wantKey):
				t.Fatalf("%s=%s: err %v, want a fault of key %s", tt.key, tt.value, err, tt.wantKey)
			}
		})
	}
}

func TestNATActorOn(t *testing.T) {
	cfg := node.DefaultConfig()
	if !cfg.NATActorOn() || !cfg.DiscoverOn() {
		t.Fatal("a listening node discovers its addresses by default")
	}
	cfg.Discover = false
	if cfg.NATActorOn() {
		t.Fatal("nat actor on with nothing to do")
	}
	cfg.ExternalIP = []string{"1.2.3.4"}
	if !cfg.NATActorOn() || cfg.DiscoverOn() {
		t.Fatal("-externalip: the actor keeps the address and discovery is off")
	}
	if got := cfg.ExternalAddrs(); len(got) != 1 || got[0] != netip.MustParseAddrPort("1.2.3.4:0") {
		t.Fatalf("external addrs %v", got)
	}
	cfg = node.DefaultConfig()
	cfg.Discover, cfg.Listen, cfg.NATPMP = false, false, true
	if cfg.NATActorOn() {
		t.Fatal("port mapping without listening")
	}
}
