package connmgr

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/protocol"
)

// TestEndToEndMisbehaviourAndBans runs connmgr with the real address
// book, dispatcher and peers over actortest's in-memory network, which
// gives remotes any address (on loopback every peer is local, and Core
// discourages no local peer): a remote that sends an oversized addr
// (Core's Misbehaving) is disconnected together with the other connection
// from its address, and its address discouraged; gossip of a banned or
// discouraged address is not stored, and a getaddr answer leaves out a
// banned address the book held from before its ban.
func TestEndToEndMisbehaviourAndBans(t *testing.T) {
	e := newEndToEnd(t)
	system, network, params, book, bind := e.system, e.network, e.params, e.book, e2eBind

	full := protocol.SFNodeNetwork | protocol.SFNodeWitness
	listener := actortest.ListenRemote(t, system, network, netip.MustParseAddrPort("8.8.8.8:18444"))
	bannedBefore := netip.MustParseAddrPort("20.2.2.2:8333") // in the book before its ban
	system.Root.Send(book, &addrbook.Add{Addrs: []protocol.NetAddress{
		{Services: full, Addr: listener.Addr().Addr(), Port: listener.Addr().Port()},
		{Services: full, Addr: bannedBefore.Addr(), Port: bannedBefore.Port()},
	}})
	cm := e.startConnMgr(t)

	// Two connections from 5.5.5.5; one sends an addr of 1001 entries.
	bad1 := actortest.DialRemote(t, system, network, netip.MustParseAddrPort("5.5.5.5:40001"), bind)
	bad1.Handshake(t, nil)
	bad2 := actortest.DialRemote(t, system, network, netip.MustParseAddrPort("5.5.5.5:40002"), bind)
	bad2.Handshake(t, nil)
	oversized := make([]protocol.NetAddress, protocol.MaxAddrPerMsg+1)
	for i := range oversized {
		oversized[i] = protocol.NetAddress{Timestamp: uint32(time.Now().Unix()), Services: full,
			Addr: netip.AddrFrom4([4]byte{30, 0, byte(i >> 8), byte(i)}), Port: 8333}
	}
	bad1.SendRaw(protocol.AppendFrame(nil, params.Magic, &protocol.MsgAddr{AddrList: oversized}, bad1.ProtocolVersion()))
	bad1.ExpectClosed(t, wait)
	bad2.ExpectClosed(t, wait)

	// The operator bans 20.0.0.0/8. The address book hears of it, and of
	// 5.5.5.5, before connmgr tells it of the outbound handshake below.
	system.Root.Send(cm, &Ban{Subnet: netip.MustParsePrefix("20.0.0.0/8")})

	// The outbound peer answers our getaddr with a banned, a discouraged
	// and a good address: only the good one is kept.
	out := listener.Accept(t, wait)
	out.Handshake(t, nil)
	out.Expect(t, protocol.CmdGetAddr, wait)
	good := netip.MustParseAddrPort("21.1.1.1:8333")
	now := uint32(time.Now().Unix())
	out.Send(&protocol.MsgAddr{AddrList: []protocol.NetAddress{
		{Timestamp: now, Services: full, Addr: netip.MustParseAddr("20.1.1.1"), Port: 8333},
		{Timestamp: now, Services: full, Addr: netip.MustParseAddr("5.5.5.5"), Port: 8333},
		{Timestamp: now, Services: full, Addr: good.Addr(), Port: good.Port()},
	}})
	p := actortest.NewProbe(t, system)
	defer p.Stop()
	var held []netip.AddrPort
	actortest.Eventually(t, wait, "the gossiped good address in the book", func() bool {
		system.Root.Send(book, &addrbook.GetAddrs{ReplyTo: p.PID()})
		held = held[:0]
		for _, e := range actortest.Expect[*addrbook.Addrs](t, p, wait).List {
			held = append(held, e.Addr)
		}
		return slices.Contains(held, good)
	})
	for _, a := range []string{"20.1.1.1:8333", "5.5.5.5:8333"} {
		if slices.Contains(held, netip.MustParseAddrPort(a)) {
			t.Fatalf("book stored gossiped %s: %v", a, held)
		}
	}

	// An inbound peer's getaddr: the book's addresses but the banned one.
	asker := actortest.DialRemote(t, system, network, netip.MustParseAddrPort("9.9.9.9:40000"), bind)
	asker.Handshake(t, nil)
	asker.Send(&protocol.MsgGetAddr{})
	var answer []netip.AddrPort
	actortest.Eventually(t, wait, "an answer to getaddr", func() bool {
		var ok bool
		answer, ok = addrAnswer(asker, bind)
		return ok
	})
	if slices.Contains(answer, bannedBefore) || !slices.Contains(answer, good) || !slices.Contains(answer, listener.Addr()) {
		t.Fatalf("getaddr answered %v: want %v and %v, not the banned %v", answer, good, listener.Addr(), bannedBefore)
	}

	// As in Core, listbanned lists the ban and not the discouraged
	// address.
	system.Root.Send(cm, &ListBans{ReplyTo: p.PID()})
	if bans := actortest.Expect[*Bans](t, p, wait).List; len(bans) != 1 || bans[0].Subnet != netip.MustParsePrefix("20.0.0.0/8") {
		t.Fatalf("listbanned %+v, want 20.0.0.0/8 alone", bans)
	}
}
