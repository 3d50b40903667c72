package node_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/protocol"
)

// addToBook adds addresses to the node's book as if from a seed.
func addToBook(t *testing.T, n *node.Node, addrs ...string) {
	t.Helper()
	msg := &addrbook.Add{}
	for _, a := range addrs {
		ap := netip.MustParseAddrPort(a)
		msg.Addrs = append(msg.Addrs, protocol.NetAddress{
			// The services Core's addpeeraddress gives: gossip keeps only block servers.
			Timestamp: uint32(time.Now().Unix()), Services: protocol.SFNodeNetwork | protocol.SFNodeWitness,
			Addr: ap.Addr(), Port: ap.Port(),
		})
	}
	n.System().Root.Send(n.AddrBook(), msg)
	nodetest.Eventually(t, 5*time.Second, "addresses in the book", func() bool {
		return len(nodetest.Book(t, n)) >= len(addrs)
	})
}
