package peer

import (
	"sync/atomic"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// AnnounceBlocks: an inv of the last block to a remote that did not send
// sendheaders, the headers to one that did (BIP130).
func TestAnnounceBlocks(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()
	hs := []protocol.BlockHeader{{Version: 4, Nonce: 1}, {Version: 4, Nonce: 2}}
	hs[1].PrevBlock = hs[0].BlockHash()

	h.system.Root.Send(h.peer, &AnnounceBlocks{Headers: hs})
	msgs := h.expectSend(nil)
	wantCommands(t, msgs, "inv")
	if inv := msgs[0].(*protocol.MsgInv); len(inv.InvList) != 1 || inv.InvList[0].Hash != hs[1].BlockHash() ||
		inv.InvList[0].Type != protocol.InvTypeBlock {
		t.Fatalf("inv %+v", inv.InvList)
	}

	rcv := h.post(&protocol.MsgSendHeaders{})
	h.expectSend(rcv) // the acknowledgement
	h.system.Root.Send(h.peer, &AnnounceBlocks{Headers: hs})
	msgs = h.expectSend(nil)
	wantCommands(t, msgs, "headers")
	if got := msgs[0].(*protocol.MsgHeaders).Headers; len(got) != 2 || got[1] != hs[1] {
		t.Fatalf("headers %+v", got)
	}
}

// Config.Height is read when the version message is made.
func TestStartHeightFromHeight(t *testing.T) {
	var height atomic.Int32
	height.Store(777)
	h := newHarness(t, NewNonces(), func(_ *harness, c *Config) { c.Height = &height })
	defer h.stop()
	msgs := h.expectSend(nil)
	if v := msgs[0].(*protocol.MsgVersion); v.StartHeight != 777 {
		t.Fatalf("start height %d, want 777", v.StartHeight)
	}
}
