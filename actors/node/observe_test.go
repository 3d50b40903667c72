package node_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
)

func TestRPCConfigKeys(t *testing.T) {
	d := node.DefaultConfig()
	if d.Server || d.RPCPort != 0 || len(d.RPCBind) != 0 {
		t.Fatalf("defaults: server %v rpcport %d rpcbind %v", d.Server, d.RPCPort, d.RPCBind)
	}
	for network, want := range map[string]uint16{"mainnet": 8332, "testnet": 18332, "testnet4": 48332, "signet": 38332, "regtest": 18443} {
		c := node.DefaultConfig()
		c.Network = network
		if got := c.RPCListenPort(); got != want {
			t.Errorf("%s: RPC port %d, want %d", network, got, want)
		}
		if addrs := c.RPCBindAddrs(); len(addrs) != 2 || !addrs[0].Addr().IsLoopback() || !addrs[1].Addr().IsLoopback() {
			t.Errorf("%s: default rpcbind %v, want loopback", network, addrs)
		}
	}
	tests := []struct {
		name     string
		set      map[string]string
		wantKey  string // "" : valid
		wantBind string
	}{
		{name: "loopback bind", set: map[string]string{"rpcbind": "127.0.0.1:9999"}, wantBind: "127.0.0.1:9999"},
		{name: "bind takes rpcport", set: map[string]string{"rpcbind": "::1", "rpcport": "7000"}, wantBind: "[::1]:7000"},
		{name: "public bind needs allowip", set: map[string]string{"rpcbind": "0.0.0.0"}, wantKey: "rpcbind"},
		{name: "public bind with allowip", set: map[string]string{"rpcbind": "0.0.0.0:8332", "rpcallowip": "10.0.0.0/255.0.0.0"}, wantBind: "0.0.0.0:8332"},
		{name: "bad allowip", set: map[string]string{"rpcallowip": "10.0.0.0/40"}, wantKey: "rpcallowip"},
		{name: "bad port", set: map[string]string{"rpcport": "70000"}, wantKey: "rpcport"},
		{name: "bad bind", set: map[string]string{"rpcbind": "localhost"}, wantKey: "rpcbind"},
		{name: "server flag", set: map[string]string{"server": "1", "rpcuser": "u", "rpcpassword": "p", "logfile": "/tmp/x.log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := node.DefaultConfig()
			for _, k := range []string{"rpcallowip", "rpcport", "rpcbind", "server", "rpcuser", "rpcpassword", "logfile"} {
				if v, ok := tt.set[k]; ok {
					if err := node.SetConfigString(&c, k, v, true); err != nil {
						t.Fatalf("set %s: %v", k, err)
					}
				}
			}
			err := c.Validate()
			if tt.wantKey != "" {
				var ce *node.ConfigError
				if !errors.As(err, &ce) || ce.Key != tt.wantKey {
					t.Fatalf("Validate = %v, want an error for %s", err, tt.wantKey)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.wantBind != "" && c.RPCBindAddrs()[0].String() != tt.wantBind {
				t.Fatalf("rpcbind %v, want %s", c.RPCBindAddrs(), tt.wantBind)
			}
		})
	}
}

func TestLogFileGetsTheLog(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.LogFile = filepath.Join(t.TempDir(), "actornode.log")
	n := startNode(t, cfg) // builds its own logger, to stderr and the file
	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "node started") || !strings.Contains(string(data), "node stopped") {
		t.Fatalf("log file:\n%s", data)
	}
	st, _ := os.Stat(cfg.LogFile)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, want 0600", st.Mode().Perm())
	}
	cfg.LogFile = filepath.Join(t.TempDir(), "missing", "dir", "x.log")
	var ce *node.ConfigError
	if _, err := node.New(cfg); !errors.As(err, &ce) || ce.Key != "logfile" {
		t.Fatalf("unwritable log file: %v", err)
	}
}

func TestEveryActorIsCounted(t *testing.T) {
	a := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	bcfg := nodetest.Regtest(t, "127.0.0.1:0")
	bcfg.Connect = []string{nodetest.ListenAddr(t, a).String()}
	bcfg.Listen = false
	nodetest.Start(t, bcfg)
	nodetest.Eventually(t, 10*time.Second, "a handshaken peer", func() bool { return nodetest.HandshakenCount(t, a) == 1 })

	tree := inspect.TreeWithStats(a.System().Root, a.Root(), 2*time.Second, a.Counters().Stats)
	var walk func(n inspect.Node)
	kinds := map[string]bool{}
	walk = func(n inspect.Node) {
		if n.Unresponsive || n.Stats == nil {
			t.Errorf("%s: unresponsive %v, stats %v", n.Path, n.Unresponsive, n.Stats)
		}
		kinds[n.Kind] = true
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(tree)
	for _, k := range []string{"node", "io", "connmgr", "peer", "addrbook", "dispatcher"} {
		if !kinds[k] {
			t.Errorf("no %s in the tree", k)
		}
	}
}
