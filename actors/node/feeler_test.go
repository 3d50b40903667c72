package node_test

import (
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
)

// TestFeelerMovesAnAnsweringAddressToTried runs three nodes on loopback.
// The first has one outbound slot and knows the other two: one fills the
// slot, and a feeler tests the other, whose address then sits in the tried
// table beside the first's, while the slot keeps its one peer.
func TestFeelerMovesAnAnsweringAddressToTried(t *testing.T) {
	// Either may fill the outbound slot, which requires NETWORK and WITNESS.
	cfgB, cfgC := nodetest.Regtest(t, "127.0.0.2:0"), nodetest.Regtest(t, "127.0.0.3:0")
	nodetest.ClaimFullServices(&cfgB)
	nodetest.ClaimFullServices(&cfgC)
	b, c := nodetest.Start(t, cfgB), nodetest.Start(t, cfgC)
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 1
	cfg.FeelerInterval = 100 * time.Millisecond
	// No block-relay-only slot: the second address is the feeler's.
	a := nodetest.Start(t, cfg, node.WithMaxBlockRelay(0))
	bAddr, cAddr := nodetest.ListenAddr(t, b), nodetest.ListenAddr(t, c)
	addToBook(t, a, bAddr.String(), cAddr.String())

	nodetest.Eventually(t, 20*time.Second, "both addresses tried", func() bool {
		tried := 0
		for _, e := range nodetest.Book(t, a) {
			if e.Tried && (e.Addr == bAddr || e.Addr == cAddr) {
				tried++
			}
		}
		return tried == 2
	})
	// The feeler closed after its handshake: the one slot holds one
	// full-relay peer.
	nodetest.Eventually(t, 10*time.Second, "one outbound peer", func() bool {
		out := nodetest.Handshaken(nodetest.Peers(t, a), func(p *peer.Info) bool { return !p.Inbound })
		return len(out) == 1 && out[0].ConnectionType == "outbound-full-relay"
	})
}
