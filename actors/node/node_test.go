package node_test

import (
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

func TestTwoNodesHandshakeAndPing(t *testing.T) {
	a := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Connect = []string{nodetest.ListenAddr(t, a).String()}
	b := nodetest.Start(t, cfg)

	nodetest.Eventually(t, 10*time.Second, "b's outbound peer to answer a ping", func() bool {
		out := nodetest.Handshaken(nodetest.Peers(t, b), func(p *peer.Info) bool { return !p.Inbound && p.PingTime > 0 })
		return len(out) == 1
	})
	nodetest.Eventually(t, 10*time.Second, "a's inbound peer to answer a ping", func() bool {
		return len(nodetest.Handshaken(nodetest.Peers(t, a), func(p *peer.Info) bool { return p.Inbound && p.PingTime > 0 })) == 1
	})
	p := nodetest.Handshaken(nodetest.Peers(t, b), nil)[0]
	if p.Version != int32(protocol.ProtocolVersion) {
		t.Errorf("version = %d, want %d", p.Version, protocol.ProtocolVersion)
	}
	if want := "/actornode:" + node.Version + "/"; p.SubVer != want {
		t.Errorf("subver = %q, want %q", p.SubVer, want)
	}
	if p.Addr != nodetest.ListenAddr(t, a).String() {
		t.Errorf("addr = %q, want %q", p.Addr, nodetest.ListenAddr(t, a))
	}
	if p.BytesSent == 0 || p.BytesRecv == 0 || p.BytesRecvPerMsg["verack"] != 24 {
		t.Errorf("byte counters: sent %d recv %d per msg %v", p.BytesSent, p.BytesRecv, p.BytesRecvPerMsg)
	}
}

// TestThreeNodesFindEachOther: c knows only b, b knows only a; through
// getaddr c learns a's address and connects to it (an automatic outbound
// connection, so a claims the services one requires).
func TestThreeNodesFindEachOther(t *testing.T) {
	cfgA := nodetest.Regtest(t, "127.0.0.1:0")
	nodetest.ClaimFullServices(&cfgA)
	a := nodetest.Start(t, cfgA)
	aAddr := nodetest.ListenAddr(t, a)

	cfgB := nodetest.Regtest(t, "127.0.0.2:0")
	cfgB.AddNode = []string{aAddr.String()}
	b := nodetest.Start(t, cfgB)
	bAddr := nodetest.ListenAddr(t, b)
	nodetest.Eventually(t, 10*time.Second, "b connected to a", func() bool {
		return nodetest.HandshakenCount(t, b) == 1
	})
	// b's book now knows a (an outbound peer that worked).
	nodetest.Eventually(t, 10*time.Second, "a in b's book", func() bool {
		return inBook(nodetest.Book(t, b), aAddr.String())
	})

	cfgC := nodetest.Regtest(t, "127.0.0.3:0")
	cfgC.AddNode = []string{bAddr.String()}
	c := nodetest.Start(t, cfgC)
	nodetest.Eventually(t, 15*time.Second, "c learned a's address from b", func() bool {
		return inBook(nodetest.Book(t, c), aAddr.String())
	})
	nodetest.Eventually(t, 15*time.Second, "c connected to a", func() bool {
		return len(nodetest.Handshaken(nodetest.Peers(t, c), func(p *peer.Info) bool { return p.Addr == aAddr.String() })) == 1
	})
	// a may not have seen c's verack yet when c has seen a's.
	nodetest.Eventually(t, 5*time.Second, "a to have 2 inbound peers (b and c)", func() bool {
		return len(nodetest.Handshaken(nodetest.Peers(t, a), func(p *peer.Info) bool { return p.Inbound })) == 2
	})
}

func inBook(entries []addrbook.Entry, addr string) bool {
	for _, e := range entries {
		if e.Addr.String() == addr {
			return true
		}
	}
	return false
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, key string
	}{
		{name: "unknown key", yaml: "maxconnection: 3\n", key: "maxconnection"},
		{name: "not a number", yaml: "maxconnections: many\n", key: "maxconnections"},
		{name: "bad duration", yaml: "pinginterval: 5\n", key: "pinginterval"},
		{name: "negative feeler interval", yaml: "feelerinterval: -2m\n", key: "feelerinterval"},
		{name: "bad network", yaml: "network: moonnet\n", key: "network"},
		{name: "bad bind", yaml: "bind: [not-an-ip]\n", key: "bind"},
		{name: "list for scalar", yaml: "port: [1, 2]\n", key: "port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := node.DefaultConfig()
			_, err := node.ParseConfig([]byte(tc.yaml), &cfg)
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), "config "+tc.key+":") {
				t.Fatalf("error = %v, want one naming key %q", err, tc.key)
			}
		})
	}
}
