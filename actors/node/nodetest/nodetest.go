// Package nodetest runs real actornode nodes on loopback for tests: a
// regtest configuration with no seeds, a start that stops the node when the
// test ends, and the questions tests ask a running node (its peers, its
// address book), each bounded by a deadline.
//
// It is importable, for tests of programs that embed a node:
//
//	cfg := nodetest.Regtest(t, "127.0.0.1:0")
//	a := nodetest.Start(t, cfg)
//	cfg = nodetest.Regtest(t, "127.0.0.1:0")
//	cfg.Connect = []string{nodetest.ListenAddr(t, a).String()}
//	b := nodetest.Start(t, cfg)
//	nodetest.Eventually(t, 10*time.Second, "b handshaken", func() bool {
//		return len(nodetest.Handshaken(nodetest.Peers(t, b), nil)) == 1
//	})
package nodetest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/peer"
)

// askTimeout bounds each question to a node's actors.
const askTimeout = 2 * time.Second

// Regtest is a regtest configuration listening on bind (a loopback
// IP:port; port 0 picks a free one) with its data in a temporary directory,
// no DNS or fixed seeds, no interface discovery, no debug endpoint, and a
// ping every second. Tests change what they need.
func Regtest(t testing.TB, bind string) node.Config {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Network = "regtest"
	cfg.DataDir = t.TempDir()
	cfg.Bind = []string{bind}
	cfg.DNSSeed = false
	cfg.FixedSeeds = false
	cfg.Discover = false
	cfg.DebugAddr = "off"
	cfg.PingInterval = time.Second
	return cfg
}

// ClaimFullServices makes cfg announce NETWORK and WITNESS
// (-regtestservices), though the node serves no blocks past genesis: the
// services our automatic outbound and -seednode connections, and btcd's
// outbound ones, require of a peer. Give it to every node that another of
// ours, or btcd, dials that way.
func ClaimFullServices(cfg *node.Config) {
	cfg.RegtestServices = []string{"NETWORK", "WITNESS"}
}

// Start builds and starts a node logging to the test, and stops it when the
// test ends. Options go after the test logger, so WithLogger may replace it.
func Start(t testing.TB, cfg node.Config, opts ...node.Option) *node.Node {
	t.Helper()
	opts = append([]node.Option{node.WithLogger(zaptest.NewLogger(t))}, opts...)
	n, err := node.New(cfg, opts...)
	if err != nil {
		t.Fatalf("nodetest: new node: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("nodetest: start node: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(context.Background()); err != nil {
			t.Errorf("nodetest: stop node: %v", err)
		}
	})
	return n
}

// ListenAddr is the node's first listening address.
func ListenAddr(t testing.TB, n *node.Node) netip.AddrPort {
	t.Helper()
	addrs := n.ListenAddrs()
	if len(addrs) == 0 {
		t.Fatal("nodetest: the node has no listening address")
	}
	return addrs[0]
}

// Peers is the node's getpeerinfo, sorted by peer id.
func Peers(t testing.TB, n *node.Node) []*peer.Info {
	t.Helper()
	infos, err := nodeinfo.Peers(n.System().Root, n.ConnMgr(), askTimeout)
	if err != nil {
		t.Fatalf("nodetest: peers: %v", err)
	}
	return infos
}

// Handshaken returns the peers of infos that finished the handshake and
// match (nil matches all).
func Handshaken(infos []*peer.Info, match func(*peer.Info) bool) []*peer.Info {
	var out []*peer.Info
	for _, p := range infos {
		if p.Handshaken && (match == nil || match(p)) {
			out = append(out, p)
		}
	}
	return out
}

// HandshakenCount is the number of the node's peers that finished the
// handshake.
func HandshakenCount(t testing.TB, n *node.Node) int {
	t.Helper()
	return len(Handshaken(Peers(t, n), nil))
}

// Book is the node's address book.
func Book(t testing.TB, n *node.Node) []addrbook.Entry {
	t.Helper()
	reply, err := inspect.Ask(n.System().Root, n.AddrBook(), func(to *actor.PID) any {
		return &addrbook.GetAddrs{ReplyTo: to}
	}, askTimeout)
	if err != nil {
		t.Fatalf("nodetest: address book: %v", err)
	}
	return reply.(*addrbook.Addrs).List
}

// Eventually checks cond until it holds, and fails the test naming what it
// waited for if timeout passes first (actortest.Eventually).
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	actortest.Eventually(t, timeout, what, cond)
}
