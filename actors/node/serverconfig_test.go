package node_test

import (
	"errors"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
)

func TestDebugAddrOffLoopbackNeedsDebugAllowIP(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		allow []string
		key   string // the key named by the error; "" for none
	}{
		{"127.0.0.1:8335", nil, ""},
		{"[::1]:8335", nil, ""},
		{"0.0.0.0:8335", nil, "debugaddr"},
		{"192.0.2.1:8335", nil, "debugaddr"},
		{"0.0.0.0:8335", []string{"192.0.2.0/24"}, ""},
		{"192.0.2.1:8335", []string{"192.0.2.0/255.255.255.0"}, ""},
		{"127.0.0.1:8335", []string{"not-an-ip"}, "debugallowip"},
		{"off", nil, ""},
	} {
		cfg := node.DefaultConfig()
		cfg.DebugAddr, cfg.DebugAllowIP = tc.addr, tc.allow
		err := cfg.Validate()
		var ce *node.ConfigError
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%s %v: %v", tc.addr, tc.allow, err)
		case tc.key != "" && (!errors.As(err, &ce) || ce.Key != tc.key):
			t.Errorf("%s %v: %v, want an error naming %s", tc.addr, tc.allow, err, tc.key)
		}
	}
}

func TestRPCServerKeys(t *testing.T) {
	cfg := node.DefaultConfig()
	if cfg.RPCThreads != 16 || cfg.RPCWorkQueue != 64 || cfg.RPCServerTimeout != 30*time.Second {
		t.Fatalf("defaults %d %d %v, want Core's 16 64 30s", cfg.RPCThreads, cfg.RPCWorkQueue, cfg.RPCServerTimeout)
	}
	for value, want := range map[string]time.Duration{"45": 45 * time.Second, "2m": 2 * time.Minute} {
		if err := node.SetConfigString(&cfg, "rpcservertimeout", value, true); err != nil || cfg.RPCServerTimeout != want {
			t.Errorf("rpcservertimeout=%s: %v %v, want %v", value, cfg.RPCServerTimeout, err, want)
		}
	}
	if err := node.SetConfigString(&cfg, "rpcservertimeout", "soon", true); err == nil {
		t.Error("rpcservertimeout=soon accepted")
	}
	for _, kv := range [][2]string{{"rpcauth", "u:s$h"}, {"rpcauth", "only-a-user"}} {
		c := node.DefaultConfig()
		if err := node.SetConfigString(&c, kv[0], kv[1], true); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil {
			t.Errorf("%s=%s validated", kv[0], kv[1])
		}
	}
	for key, bad := range map[string]string{"rpcthreads": "0", "rpcworkqueue": "0", "rpcservertimeout": "0"} {
		c := node.DefaultConfig()
		if err := node.SetConfigString(&c, key, bad, true); err != nil {
			t.Fatal(err)
		}
		var ce *node.ConfigError
		if err := c.Validate(); !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s=%s: %v, want an error naming it", key, bad, err)
		}
	}
	c := node.DefaultConfig()
	line := "alice:cb77f0957de88ff388cf817ddbc7273$" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	for range 2 {
		if err := node.SetConfigString(&c, "rpcauth", line, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Validate(); err != nil || len(c.RPCAuth) != 2 {
		t.Fatalf("two rpcauth lines: %v %v", c.RPCAuth, err)
	}
}
