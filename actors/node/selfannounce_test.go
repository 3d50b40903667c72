package node_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/protocol"
)

// TestSelfAnnouncementWaitsForIBD: right after the handshake with an
// outbound peer, a node sends getaddr and then its own address, both
// handed to the peer actor in one turn of the address book, so a ping the
// remote sends once getaddr arrived is answered after the address, if it
// comes at all. A node whose chain is its genesis block is in initial
// block download and sends getaddr alone, as Core does; with a recent tip
// it announces itself too.
func TestSelfAnnouncementWaitsForIBD(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []node.Option
		announce bool
	}{
		{name: "genesis tip: in IBD, silent"},
		{name: "recent tip: announces", opts: []node.Option{node.WithRecentTip()}, announce: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params, err := protocol.Network("regtest")
			if err != nil {
				t.Fatal(err)
			}
			net := actortest.NewNetwork(params.Magic)
			ours := netip.MustParseAddrPort("127.0.0.1:18444")
			cfg := nodetest.Regtest(t, ours.String())
			cfg.MaxOutbound = 0
			// The remote listener starts in the node's actor system, so the
			// node starts first with an -addnode the listener then takes.
			remoteAddr := netip.MustParseAddrPort("127.0.0.9:18444")
			cfg.AddNode = []string{remoteAddr.String()}
			// The scripted remote speaks v1 and takes one connection: no
			// v2 attempt first (Core's tests pass -v2transport=0 to such
			// peers, or let them expect the reconnection).
			cfg.V2Transport = false
			n := nodetest.Start(t, cfg, append([]node.Option{onNetwork(net, "127.0.0.1")}, tc.opts...)...)
			ln := actortest.ListenRemote(t, n.System(), net, remoteAddr)
			r := ln.Accept(t, 20*time.Second)
			r.Handshake(t, nil)
			r.Expect(t, protocol.CmdGetAddr, 10*time.Second)
			r.Send(&protocol.MsgPing{Nonce: 0x5e1f})
			if m := r.Expect(t, protocol.CmdPong, 10*time.Second).(*protocol.MsgPong); m.Nonce != 0x5e1f {
				t.Fatalf("pong %#x, want the answer to our ping", m.Nonce)
			}
			announced := 0
			for _, m := range r.Pending() {
				switch m := m.(type) {
				case *protocol.MsgAddr:
					for _, na := range m.AddrList {
						if na.AddrPort() == ours {
							announced++
						}
					}
				case *protocol.MsgAddrV2:
					for _, na := range m.AddrList {
						if ap, ok := na.AddrPort(); ok && ap == ours {
							announced++
						}
					}
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.announce]; announced != want {
				t.Fatalf("own address sent %d times with getaddr, want %d; pending %v", announced, want, r.Pending())
			}
		})
	}
}
