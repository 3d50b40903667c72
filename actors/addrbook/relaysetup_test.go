package addrbook

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// inboundSender is inbound peer id at addr, its messages delivered from p.
func inboundSender(id uint64, p *actortest.Probe, addr string) dispatcher.Sender {
	return dispatcher.Sender{ID: id, PID: p.PID(), Remote: netip.MustParseAddrPort(addr), Inbound: true}
}

// freshAddr is one routable address seen now, worth relaying.
func freshAddr(a, b byte) protocol.NetAddress {
	return protocol.NetAddress{Timestamp: uint32(time.Now().Unix()), Services: protocol.SFNodeNetwork,
		Addr: netip.AddrFrom4([4]byte{77, a, b, 1}), Port: 8333}
}

// TestSilentInboundPeersOutsideAddressRelay: as in Core, an inbound peer
// that never sends addr, addrv2 or getaddr takes no part in address relay:
// in a week it hears nothing, neither our address nor the news relayed to
// the peers that are in relay, and the book keeps no relay state for it.
func TestSilentInboundPeersOutsideAddressRelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := spawnBook(t, system, Config{})
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		// An outbound peer, whose handshake brings getaddr and our address.
		out := actortest.NewProbe(t, system)
		outAddr := netip.MustParseAddrPort("20.1.1.1:8333")
		system.Root.Send(book, &Connected{ID: 1, Peer: out.PID(), Addr: outAddr, Local: local})
		// Three silent inbound peers, one of them asking for addrv2.
		silent := make([]*actortest.Probe, 3)
		for i := range silent {
			silent[i] = actortest.NewProbe(t, system)
			system.Root.Send(book, &Connected{ID: uint64(10 + i), Peer: silent[i].PID(), Inbound: true, Local: local,
				Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{30, 0, 0, byte(i)}), 50000), WantsAddrV2: i == 0})
		}
		// An inbound peer that gossips joins relay.
		g := actortest.NewProbe(t, system)
		gFrom := inboundSender(2, g, "31.0.0.1:50000")
		system.Root.Send(book, &Connected{ID: 2, Peer: g.PID(), Addr: gFrom.Remote, Inbound: true, Local: local})
		system.Root.Send(book, &dispatcher.Deliver{From: gFrom, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{freshAddr(0, 0)}}})
		// The outbound peer's answer to our getaddr, then news to relay.
		outFrom := dispatcher.Sender{ID: 1, PID: out.PID(), Remote: outAddr}
		system.Root.Send(book, &dispatcher.Deliver{From: outFrom, Msg: &protocol.MsgAddr{}})
		system.Root.Send(book, &dispatcher.Deliver{From: outFrom, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{freshAddr(1, 1)}}})
		time.Sleep(7 * 24 * time.Hour)
		synctest.Wait()
		for i, s := range silent {
			if n := len(s.Pending()); n != 0 {
				t.Errorf("silent inbound peer %d got %d messages in a week, want none: %v", i, n, s.Pending())
			}
		}
		// The peers in relay did hear from us: our address, and the news.
		if n := countSelf(t, out, local); n < 1 {
			t.Errorf("the outbound peer heard our address %d times in a week", n)
		}
		gotNews := false
		for range len(g.Pending()) {
			if sm, ok := g.ExpectAny(t, wait).(*peer.SendMessage); ok {
				if m, isAddr := sm.Msg.(*protocol.MsgAddr); isAddr {
					for _, na := range m.AddrList {
						gotNews = gotNews || na.AddrPort() == freshAddr(1, 1).AddrPort()
					}
				}
			}
		}
		if !gotNews {
			t.Error("the inbound peer in relay was not relayed the news")
		}
		system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
		d := actortest.Expect[*inspect.Description](t, p, wait)
		if d.Summary["connections"] != 5 || d.Summary["address_relay"] != 2 {
			t.Errorf("connections %v, in address relay %v; want 5 and 2", d.Summary["connections"], d.Summary["address_relay"])
		}
	})
}

// TestInboundAddrJoinsRelayAndHearsUsAtOnce: an inbound peer's first
// addrv2 puts it in address relay, and our address goes to it at once,
// alone in an addrv2 message (it asked for addrv2), then about daily.
func TestInboundAddrJoinsRelayAndHearsUsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := spawnBook(t, system, Config{})
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		in := inboundSender(1, p, "9.9.9.9:50000")
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true, Local: local, WantsAddrV2: true})
		time.Sleep(2 * 24 * time.Hour)
		synctest.Wait()
		if n := len(p.Pending()); n != 0 {
			t.Fatalf("%d messages before the peer joined relay, want none", n)
		}
		// Its self-announcement.
		theirs := protocol.NetAddressV2From(protocol.NetAddress{Timestamp: uint32(time.Now().Unix()),
			Services: protocol.SFNodeNetwork, Addr: in.Remote.Addr(), Port: 8333})
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgAddrV2{AddrList: []protocol.NetAddressV2{theirs}}})
		synctest.Wait()
		m, ok := actortest.Expect[*peer.SendMessage](t, p, time.Second).Msg.(*protocol.MsgAddrV2)
		if !ok || len(m.AddrList) != 1 {
			t.Fatalf("first message after its addrv2: %v, want an addrv2 of our address alone", m)
		}
		if ap, _ := m.AddrList[0].AddrPort(); ap != local {
			t.Fatalf("announced %v, want %v", ap, local)
		}
		time.Sleep(20 * 24 * time.Hour)
		synctest.Wait()
		n := 0
		for range len(p.Pending()) {
			if sm, ok := p.ExpectAny(t, wait).(*peer.SendMessage); ok {
				if m, isV2 := sm.Msg.(*protocol.MsgAddrV2); isV2 && len(m.AddrList) == 1 {
					if ap, _ := m.AddrList[0].AddrPort(); ap == local {
						n++
					}
				}
			}
		}
		if n < 5 || n > 45 {
			t.Errorf("%d announcements in 20 days, want about 20", n)
		}
	})
}

// TestGetAddrBeforeConnectedAnsweredAfterOurAddress: a getaddr that
// overtakes connmgr's Connected waits for it; then our address goes first,
// alone, and the answer after it.
func TestGetAddrBeforeConnectedAnsweredAfterOurAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := spawnBook(t, system, Config{})
		system.Root.Send(book, &Add{Addrs: floodAddrs(0, 50, time.Now())})
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		in := inboundSender(1, p, "9.9.9.9:50000")
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
		synctest.Wait()
		actortest.ExpectNone[*peer.SendMessage](t, p, 0)
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true, Local: local})
		synctest.Wait()
		self := actortest.Expect[*peer.SendMessage](t, p, time.Second).Msg.(*protocol.MsgAddr)
		if len(self.AddrList) != 1 || self.AddrList[0].AddrPort() != local {
			t.Fatalf("first message = %v, want our address %v alone", self.AddrList, local)
		}
		answer := actortest.Expect[*peer.SendMessage](t, p, time.Second).Msg.(*protocol.MsgAddr)
		if len(answer.AddrList) < 5 {
			t.Fatalf("getaddr answer of %d addresses, want about 23%% of 50", len(answer.AddrList))
		}
	})
}

// TestInboundJoinsRelayDuringIBD: an inbound peer that joins relay while
// the node is in initial block download gets the getaddr answer and not
// our address; when the node leaves it, our address goes at the next
// housekeeping tick, alone in its message, as Core's first announcement.
func TestInboundJoinsRelayDuringIBD(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		var ibd atomic.Bool
		ibd.Store(true)
		book := spawnBook(t, system, Config{InitialBlockDownload: func(time.Time) bool { return ibd.Load() }})
		system.Root.Send(book, &Add{Addrs: floodAddrs(0, 50, time.Now())})
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		in := inboundSender(1, p, "9.9.9.9:50000")
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true, Local: local})
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
		synctest.Wait()
		answer := actortest.Expect[*peer.SendMessage](t, p, time.Second).Msg.(*protocol.MsgAddr)
		if len(answer.AddrList) < 5 {
			t.Fatalf("getaddr answer of %d addresses, want about 23%% of 50", len(answer.AddrList))
		}
		time.Sleep(2 * 24 * time.Hour)
		synctest.Wait()
		if n := countSelf(t, p, local); n != 0 {
			t.Fatalf("%d announcements in IBD, want none", n)
		}
		ibd.Store(false)
		time.Sleep(tickInterval + time.Second)
		synctest.Wait()
		if n := countSelf(t, p, local); n != 1 {
			t.Fatalf("%d announcements in the minute after IBD, want 1", n)
		}
	})
}

// TestInboundTokenBucketFillsFromConnect: the allowance of an inbound
// peer's gossip starts at 1 when it connects and grows by 0.1 a second
// from then, whether or not it is in relay yet, as Core's
// m_addr_token_bucket (a member of Peer from its creation).
func TestInboundTokenBucketFillsFromConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := spawnBook(t, system, Config{})
		in := inboundSender(1, p, "9.9.9.9:50000")
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true})
		time.Sleep(1000 * time.Second)
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgAddr{AddrList: floodAddrs(0, 500, time.Now())}})
		st := bookStats(t, system, book, p)
		if st.Processed < 100 || st.Processed > 102 || st.Processed+st.RateLimited != 500 {
			t.Fatalf("processed %d, rate limited %d; want 101 (1 + 1000 s x 0.1) of 500", st.Processed, st.RateLimited)
		}
	})
}

// TestGossipFromFeelerAndBlockRelayIgnored: addresses from a feeler or an
// outbound block-relay-only peer are ignored, as Core's ProcessAddrs does
// when SetupAddressRelay refuses the connection.
func TestGossipFromFeelerAndBlockRelayIgnored(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  Connected
	}{
		{"feeler", Connected{Feeler: true}},
		{"block-relay-only", Connected{BlockRelayOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			system := newSystem(t)
			p := actortest.NewProbe(t, system)
			book := spawnBook(t, system, Config{})
			c := tc.msg
			c.ID, c.Peer, c.Addr, c.Services = 1, p.PID(), netip.MustParseAddrPort("9.9.9.9:8333"), protocol.SFNodeNetwork
			system.Root.Send(book, &c)
			from := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: c.Addr}
			system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: floodAddrs(0, 5, time.Now())}})
			st := bookStats(t, system, book, p)
			if st.Processed != 0 || len(st.List) != 0 {
				t.Fatalf("processed %d, book of %d; want none", st.Processed, len(st.List))
			}
		})
	}
}

// TestGetAddrEmptiesTheQueue: as Core's getaddr handler, the answer
// replaces what waited in the peer's address queue. Here the book is too
// small for an answer (23% of 2 addresses is none), so news queued for the
// peer before its getaddr never goes.
func TestGetAddrEmptiesTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		book := spawnBook(t, system, Config{})
		o, in := actortest.NewProbe(t, system), actortest.NewProbe(t, system)
		oAddr := netip.MustParseAddrPort("20.1.1.1:8333")
		oFrom := dispatcher.Sender{ID: 1, PID: o.PID(), Remote: oAddr}
		system.Root.Send(book, &Connected{ID: 1, Peer: o.PID(), Addr: oAddr})
		system.Root.Send(book, &dispatcher.Deliver{From: oFrom, Msg: &protocol.MsgAddr{}}) // its answer
		iFrom := inboundSender(2, in, "31.0.0.1:50000")
		system.Root.Send(book, &Connected{ID: 2, Peer: in.PID(), Addr: iFrom.Remote, Inbound: true})
		// An empty addr puts it in relay; its next send time is ahead.
		system.Root.Send(book, &dispatcher.Deliver{From: iFrom, Msg: &protocol.MsgAddr{}})
		// News, which only it can be relayed.
		system.Root.Send(book, &dispatcher.Deliver{From: oFrom, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{freshAddr(1, 1)}}})
		system.Root.Send(book, &dispatcher.Deliver{From: iFrom, Msg: &protocol.MsgGetAddr{}})
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		for _, m := range in.Pending() {
			if sm, ok := m.(*peer.SendMessage); ok {
				t.Errorf("sent %s %v, want nothing", sm.Msg.Command(), sm.Msg)
			}
		}
	})
}
