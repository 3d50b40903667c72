package node_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/chain"
	chainmachine "github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// remoteNodes starts n nodes on 127.0.0.2, 127.0.0.3, ... that claim the
// services automatic outbound connections require, and returns their
// listening addresses.
func remoteNodes(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for i := range n {
		cfg := nodetest.Regtest(t, "127.0.0."+string(rune('2'+i))+":0")
		nodetest.ClaimFullServices(&cfg)
		addrs = append(addrs, nodetest.ListenAddr(t, nodetest.Start(t, cfg)).String())
	}
	return addrs
}

// byType returns the handshaken outbound peers of connType by address.
func byType(t *testing.T, n *node.Node, connType string) map[string]*peer.Info {
	t.Helper()
	out := make(map[string]*peer.Info)
	for _, p := range nodetest.Handshaken(nodetest.Peers(t, n), func(p *peer.Info) bool { return p.ConnectionType == connType }) {
		out[p.Addr] = p
	}
	return out
}

// TestBlockRelayOnlyAnchorsOverLoopback runs four nodes over loopback
// sockets: the first, with one full-relay slot and Core's two
// block-relay-only slots, knows the other three. It ends up with one
// full-relay and two block-relay-only peers; after a clean stop its data
// directory holds anchors.dat, and the restarted node reads (and removes)
// it and makes the same two addresses its block-relay-only peers again.
func TestBlockRelayOnlyAnchorsOverLoopback(t *testing.T) {
	remotes := remoteNodes(t, 3)
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 1
	a := nodetest.Start(t, cfg)
	addToBook(t, a, remotes...)

	var anchors map[string]*peer.Info
	nodetest.Eventually(t, 20*time.Second, "one full-relay and two block-relay-only peers", func() bool {
		anchors = byType(t, a, connmgr.ConnBlockRelayOnly)
		return len(byType(t, a, connmgr.ConnOutboundFullRelay)) == 1 && len(anchors) == 2
	})
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(cfg.DataDirOrDefault(), connmgr.AnchorsFileName)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no anchors file after a clean stop: %v", err)
	}

	again := nodetest.Start(t, cfg)
	nodetest.Eventually(t, 20*time.Second, "the anchors block-relay-only again", func() bool {
		got := byType(t, again, connmgr.ConnBlockRelayOnly)
		for addr := range anchors {
			if got[addr] == nil {
				return false
			}
		}
		return len(got) == 2
	})
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("anchors file left after start: %v", err)
	}
}

// regtestGenesisTime is the timestamp of regtest's genesis block.
const regtestGenesisTime = 1296688602

// TestStaleTipExtraPeerOverLoopback runs four nodes over loopback
// sockets; the first, with two full-relay slots and no block-relay-only
// one, knows the other three and keeps its time on a clock the test moves,
// set an hour after regtest's genesis block so that its best header is
// recent (a genesis-only node of today would drop its sync peer for a
// headers timeout first). Once the chain has seen no new header for three
// block spacings its stale-tip check has connmgr dial a third full-relay
// peer; the next extra-peer check evicts one of the three (the youngest:
// none announced a block) and the node is back at two.
func TestStaleTipExtraPeerOverLoopback(t *testing.T) {
	remotes := remoteNodes(t, 3)
	var offset atomic.Int64
	offset.Store(int64(time.Until(time.Unix(regtestGenesisTime, 0).Add(time.Hour))))
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 2
	cfg.PingInterval, cfg.PingTimeout = time.Hour, 2*time.Hour // no ping in flight across a jump of the clock
	a := nodetest.Start(t, cfg, node.WithClock(clock), node.WithMaxBlockRelay(0))
	msg := &addrbook.Add{}
	for _, r := range remotes {
		ap := netip.MustParseAddrPort(r)
		msg.Addrs = append(msg.Addrs, protocol.NetAddress{Timestamp: uint32(clock().Unix()),
			Services: protocol.SFNodeNetwork | protocol.SFNodeWitness, Addr: ap.Addr(), Port: ap.Port()})
	}
	a.System().Root.Send(a.AddrBook(), msg)
	var first map[string]*peer.Info
	nodetest.Eventually(t, 20*time.Second, "two full-relay peers", func() bool {
		first = byType(t, a, connmgr.ConnOutboundFullRelay)
		return len(first) == 2
	})
	// The chain has run its checks with both (its first stale-tip check
	// starts the clock of the last tip update).
	nodetest.Eventually(t, 20*time.Second, "the chain's checks run", func() bool {
		states := chainStates(t, a)
		n := 0
		for _, p := range first {
			if states[p.ID].ChainSyncDeadline != 0 {
				n++
			}
		}
		return n == 2
	})

	// Regtest spaces blocks 10 minutes apart: 41 minutes without a new
	// header make the tip look stale at the next check.
	offset.Add(int64(41 * time.Minute))
	var all map[string]*peer.Info
	nodetest.Eventually(t, 20*time.Second, "an extra full-relay peer", func() bool {
		all = byType(t, a, connmgr.ConnOutboundFullRelay)
		return len(all) == 3
	})
	var extra string
	for addr := range all {
		if first[addr] == nil {
			extra = addr
		}
	}
	// The extra-peer check after MinimumConnectTime evicts the youngest.
	offset.Add(int64(80 * time.Second))
	nodetest.Eventually(t, 20*time.Second, "the extra peer evicted", func() bool {
		now := byType(t, a, connmgr.ConnOutboundFullRelay)
		if len(now) != 2 || now[extra] != nil {
			return false
		}
		for addr := range first {
			if now[addr] == nil {
				t.Fatalf("%s evicted, not the extra peer %s", addr, extra)
			}
		}
		return true
	})
}

// chainStates is what the chain's sync knows of each peer.
func chainStates(t *testing.T, n *node.Node) map[uint64]chainmachine.PeerState {
	t.Helper()
	p := actortest.NewProbe(t, n.System())
	defer p.Stop()
	n.System().Root.Send(n.Chain(), &chain.GetPeerStates{ReplyTo: p.PID()})
	return actortest.Expect[*chain.PeerStates](t, p, 5*time.Second).Peers
}
