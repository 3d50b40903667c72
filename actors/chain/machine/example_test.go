package machine_test

import (
	"fmt"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/protocol"
)

// A peer is ready: the machine asks it for headers from genesis; its answer
// goes to the index, to be persisted, and moves the best header.
func Example() {
	p, _ := protocol.Network(protocol.NameRegtest)
	ix, _ := headerchain.New(p)
	m := machine.New(ix, machine.Config{Params: p})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	out := m.PeerReady(now, machine.Peer{ID: 1, Conn: machine.ConnOutboundFullRelay,
		Services: protocol.SFNodeNetwork, Version: int32(protocol.ProtocolVersion)}, nil)
	gh := out[0].Msg.(*protocol.MsgGetHeaders)
	fmt.Println("send", gh.Command(), "from genesis:", gh.BlockLocatorHashes[0] == p.GenesisHash)

	// The peer answers with one header on genesis.
	h := protocol.BlockHeader{Version: 4, PrevBlock: p.GenesisHash, Timestamp: uint32(now.Add(-time.Hour).Unix()), Bits: 0x207fffff}
	for !headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, p.Consensus) {
		h.Nonce++
	}
	for _, a := range m.Headers(now, 1, []protocol.BlockHeader{h}, nil) {
		switch a.Kind {
		case machine.Persist:
			fmt.Println("persist", a.Added, "header")
		case machine.NewTip:
			fmt.Println("new best header at height", a.Tip.New.Height)
		case machine.Send:
			fmt.Println("send", a.Msg.Command())
		}
	}
	// Output:
	// send getheaders from genesis: true
	// persist 1 header
	// new best header at height 1
	// send sendheaders
}
