package addrbook

import (
	"net/netip"
	"testing"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// TestBlockRelayOnlyConnectedGetsNoAddrTraffic: a block-relay-only peer's
// handshake makes its address good (tried), and nothing else: no getaddr,
// no address of ours though we have one to announce, no outbound count.
func TestBlockRelayOnlyConnectedGetsNoAddrTraffic(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	addr := netip.MustParseAddrPort("1.2.3.4:8333")
	system.Root.Send(book, &Add{Addrs: []protocol.NetAddress{{Addr: addr.Addr(), Port: addr.Port()}}})
	system.Root.Send(book, &Connected{ID: 5, Peer: p.PID(), Addr: addr, Services: protocol.SFNodeNetwork,
		Local: netip.MustParseAddrPort("5.6.7.8:8333"), BlockRelayOnly: true})
	if e := snapshot(t, system, book, p)[addr]; e.LastSuccess.IsZero() || !e.Tried {
		t.Fatalf("entry after the block-relay-only handshake = %+v, want a success in the tried table", e)
	}
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	if d := actortest.Expect[*inspect.Description](t, p, wait); d.Summary["outbound"] != 0 {
		t.Fatalf("a block-relay-only peer counted as outbound: %v", d.Summary["outbound"])
	}
	actortest.ExpectNone[*peer.SendMessage](t, p, 0)
	system.Root.Send(book, &Disconnected{ID: 5})
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	if d := actortest.Expect[*inspect.Description](t, p, wait); d.Summary["outbound"] != 0 {
		t.Fatalf("outbound after it left = %v", d.Summary["outbound"])
	}
}
