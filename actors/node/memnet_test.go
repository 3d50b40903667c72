package node_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// onNetwork swaps a node's io actor for host's end of an in-memory network.
func onNetwork(net *actortest.Network, host string) node.Option {
	return node.WithIO(func(transport.Config) *actor.Props {
		return net.Props(netip.MustParseAddr(host))
	})
}

// TestNodesOverInMemoryNetwork runs three whole nodes in one process with no
// sockets: io is replaced by actortest's Network. b and c know only a; c
// also scripts a remote peer against a.
func TestNodesOverInMemoryNetwork(t *testing.T) {
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	net := actortest.NewNetwork(params.Magic)
	const port = "18444"

	a := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:"+port), onNetwork(net, "127.0.0.1"))
	aAddr := netip.MustParseAddrPort("127.0.0.1:" + port)
	if got := nodetest.ListenAddr(t, a); got != aAddr {
		t.Fatalf("a listens on %v, want %v", got, aAddr)
	}
	for _, host := range []string{"127.0.0.2", "127.0.0.3"} {
		cfg := nodetest.Regtest(t, host+":"+port)
		cfg.AddNode = []string{aAddr.String()}
		nodetest.Start(t, cfg, onNetwork(net, host))
	}
	nodetest.Eventually(t, 10*time.Second, "a's two inbound peers to answer pings", func() bool {
		return len(nodetest.Handshaken(nodetest.Peers(t, a), func(p *peer.Info) bool {
			return p.Inbound && p.PingTime > 0
		})) == 2
	})

	// A scripted remote is one more peer of a on the same network.
	r := actortest.DialRemote(t, a.System(), net, netip.MustParseAddrPort("127.0.0.9:40000"), aAddr)
	theirs := r.Handshake(t, nil)
	if theirs.UserAgent != "/actornode:"+node.Version+"/" || theirs.Services != protocol.SFNodeP2PV2 {
		t.Errorf("a's version: user agent %q services %v", theirs.UserAgent, theirs.Services)
	}
	r.Send(&protocol.MsgPing{Nonce: 42})
	if pong := actortest.ExpectMsg[*protocol.MsgPong](t, r, 5*time.Second); pong.Nonce != 42 {
		t.Errorf("pong nonce %d, want 42", pong.Nonce)
	}
	if v := net.Violations(); len(v) != 0 {
		t.Errorf("io contract violations: %v", v)
	}
}

// TestNodesOverInMemoryNetworkV2: on an in-memory network that speaks
// BIP324 (actortest.WithV2), b's -addnode connection to a is v2: both
// getpeerinfo entries say v2 with one session id. On a v1-only network the
// same dial falls back to v1.
func TestNodesOverInMemoryNetworkV2(t *testing.T) {
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []actortest.NetworkOption
		want string
	}{
		{"v2 network", []actortest.NetworkOption{actortest.WithV2()}, "v2"},
		{"v1 network: fallback", nil, "v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := actortest.NewNetwork(params.Magic, tc.opts...)
			a := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:18444"), onNetwork(net, "127.0.0.1"))
			cfg := nodetest.Regtest(t, "127.0.0.2:18444")
			cfg.AddNode = []string{"127.0.0.1:18444"}
			b := nodetest.Start(t, cfg, onNetwork(net, "127.0.0.2"))
			var pa, pb []*peer.Info
			nodetest.Eventually(t, 10*time.Second, "a and b handshaken", func() bool {
				pa = nodetest.Handshaken(nodetest.Peers(t, a), nil)
				pb = nodetest.Handshaken(nodetest.Peers(t, b), nil)
				return len(pa) == 1 && len(pb) == 1
			})
			if pa[0].TransportProtocolType != tc.want || pb[0].TransportProtocolType != tc.want || pa[0].SessionID != pb[0].SessionID {
				t.Fatalf("a's entry %s %q, b's %s %q; want %s with one session id",
					pa[0].TransportProtocolType, pa[0].SessionID, pb[0].TransportProtocolType, pb[0].SessionID, tc.want)
			}
		})
	}
}
