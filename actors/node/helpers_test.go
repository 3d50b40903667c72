package node_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/debughttp"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// regtestConfig is a loopback regtest node with no seeds, no debug endpoint
// and fast pings.
func regtestConfig(t *testing.T, bind string) node.Config {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Network = "regtest"
	cfg.DataDir = t.TempDir()
	cfg.Bind = []string{bind}
	cfg.DNSSeed = false
	cfg.FixedSeeds = false
	cfg.DebugAddr = "off"
	cfg.PingInterval = time.Second
	return cfg
}

// startNode starts a node and stops it when the test ends.
func startNode(t *testing.T, cfg node.Config, opts ...node.Option) *node.Node {
	t.Helper()
	opts = append([]node.Option{node.WithLogger(zaptest.NewLogger(t))}, opts...)
	n, err := node.New(cfg, opts...)
	if err != nil {
		t.Fatalf("new node: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(context.Background()); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
	return n
}

// listenAddr is the node's first listening address.
func listenAddr(t *testing.T, n *node.Node) netip.AddrPort {
	t.Helper()
	addrs := n.ListenAddrs()
	if len(addrs) == 0 {
		t.Fatal("node has no listening address")
	}
	return addrs[0]
}

// peers is the node's getpeerinfo.
func peers(t *testing.T, n *node.Node) []*peer.Info {
	t.Helper()
	infos, err := debughttp.Peers(n.System().Root, n.ConnMgr(), 2*time.Second)
	if err != nil {
		t.Fatalf("peers: %v", err)
	}
	return infos
}

// book is the node's address book.
func book(t *testing.T, n *node.Node) []addrbook.Entry {
	t.Helper()
	reply, err := inspect.Ask(n.System().Root, n.AddrBook(), func(to *actor.PID) any {
		return &addrbook.GetAddrs{ReplyTo: to}
	}, 2*time.Second)
	if err != nil {
		t.Fatalf("address book: %v", err)
	}
	return reply.(*addrbook.Addrs).List
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for i := 0; ; i++ {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// handshaken returns the handshaken peers matching match.
func handshaken(infos []*peer.Info, match func(*peer.Info) bool) []*peer.Info {
	var out []*peer.Info
	for _, p := range infos {
		if p.Handshaken && (match == nil || match(p)) {
			out = append(out, p)
		}
	}
	return out
}

// addToBook adds addresses to the node's book as if from a seed.
func addToBook(t *testing.T, n *node.Node, addrs ...string) {
	t.Helper()
	msg := &addrbook.Add{}
	for _, a := range addrs {
		ap := netip.MustParseAddrPort(a)
		msg.Addrs = append(msg.Addrs, protocol.NetAddress{
			Timestamp: uint32(time.Now().Unix()), Addr: ap.Addr(), Port: ap.Port(),
		})
	}
	n.System().Root.Send(n.AddrBook(), msg)
	eventually(t, 5*time.Second, "addresses in the book", func() bool {
		return len(book(t, n)) >= len(addrs)
	})
}
