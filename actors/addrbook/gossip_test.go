package addrbook

import (
	"errors"
	"hash/maphash"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// floodAddrs returns n distinct routable addresses stamped now, from
// offset on.
func floodAddrs(offset, n int, now time.Time) []protocol.NetAddress {
	out := make([]protocol.NetAddress, 0, n)
	for i := offset; i < offset+n; i++ {
		out = append(out, protocol.NetAddress{
			Timestamp: uint32(now.Unix()), Services: protocol.SFNodeNetwork,
			Addr: netip.AddrFrom4([4]byte{byte(11 + i%80), byte(i / 80), byte(i / 20000), 1}), Port: 8333,
		})
	}
	return out
}

func bookStats(t *testing.T, system *actor.ActorSystem, book *actor.PID, p *actortest.Probe) *Addrs {
	t.Helper()
	system.Root.Send(book, &GetAddrs{ReplyTo: p.PID()})
	return actortest.Expect[*Addrs](t, p, wait)
}

// TestAddrFloodRateLimited: a peer that sends 10,000 addresses gets only
// its token bucket's allowance into the book: 1 token to start, 1000 more
// for the answer to our getaddr, 0.1 per second.
func TestAddrFloodRateLimited(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inbound bool
		tokens  float64 // the allowance at the start
	}{
		{name: "outbound, asked getaddr", inbound: false, tokens: 1 + getAddrCredit},
		{name: "inbound", inbound: true, tokens: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			system := newSystem(t)
			p := actortest.NewProbe(t, system)
			book := spawnBook(t, system, Config{})
			from := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: netip.MustParseAddrPort("9.9.9.9:8333"), Inbound: tc.inbound}
			start := time.Now()
			system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: from.Remote, Inbound: tc.inbound})
			now := time.Now()
			for m := range 10 {
				system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: floodAddrs(m*1000, 1000, now)}})
			}
			st := bookStats(t, system, book, p)
			allowance := tc.tokens + time.Since(start).Seconds()*addrRate
			if float64(st.Processed) > allowance || st.Processed+st.RateLimited != 10_000 {
				t.Fatalf("processed %d, rate limited %d; allowance %.1f of 10000", st.Processed, st.RateLimited, allowance)
			}
			if float64(len(st.List)) > allowance+1 { // + the peer we dialled
				t.Fatalf("book holds %d addresses, allowance %.1f", len(st.List), allowance)
			}
			if st.Processed < uint64(tc.tokens) {
				t.Fatalf("processed %d, less than the %v tokens the peer had", st.Processed, tc.tokens)
			}
		})
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(t0)
	if !b.take() || b.take() {
		t.Fatal("a new bucket holds other than one token")
	}
	b.refill(t0.Add(100 * time.Second)) // 10 tokens
	n := 0
	for b.take() {
		n++
	}
	if n != 10 {
		t.Fatalf("100 s gave %d tokens, want 10", n)
	}
	b.refill(t0.Add(100 * 24 * time.Hour))
	if b.tokens != addrBurst {
		t.Fatalf("tokens after 100 days = %v, want the burst %d", b.tokens, addrBurst)
	}
	b.tokens += getAddrCredit // a getaddr goes past the burst
	b.refill(t0.Add(200 * 24 * time.Hour))
	if b.tokens != addrBurst+getAddrCredit {
		t.Fatalf("tokens = %v, want %d", b.tokens, addrBurst+getAddrCredit)
	}
}

// relayNet is a book with n outbound peers, each a probe of its own.
func relayNet(t *testing.T, n int, v2 bool) (*actor.ActorSystem, *actor.PID, []*actortest.Probe) {
	t.Helper()
	system := newSystem(t)
	book := spawnBook(t, system, Config{})
	probes := make([]*actortest.Probe, n)
	for i := range n {
		probes[i] = actortest.NewProbe(t, system)
		addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(20 + i), 1, 1, 1}), 8333)
		system.Root.Send(book, &Connected{ID: uint64(i), Peer: probes[i].PID(), Addr: addr, WantsAddrV2: v2})
		actortest.ExpectMatch(t, probes[i], wait, func(m *peer.SendMessage) bool { return m.Msg.Command() == protocol.CmdGetAddr })
		// The answer to our getaddr, which ends the wait for it.
		system.Root.Send(book, &dispatcher.Deliver{From: sender(i, probes[i], addr), Msg: &protocol.MsgAddr{}})
	}
	return system, book, probes
}

func sender(i int, p *actortest.Probe, addr netip.AddrPort) dispatcher.Sender {
	return dispatcher.Sender{ID: uint64(i), PID: p.PID(), Remote: addr}
}

// relayedTo waits until want address messages are pending at the probes
// (want 0: waits a moment), consumes what they hold and counts, per probe,
// the addresses sent to it.
func relayedTo(t *testing.T, probes []*actortest.Probe, want int) map[int]int {
	t.Helper()
	isAddr := func(m any) bool {
		sm, ok := m.(*peer.SendMessage)
		return ok && (sm.Msg.Command() == protocol.CmdAddr || sm.Msg.Command() == protocol.CmdAddrV2)
	}
	deadline := time.Now().Add(wait)
	if want == 0 {
		deadline = time.Now().Add(100 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		n := 0
		for _, p := range probes {
			for _, m := range p.Pending() {
				if isAddr(m) {
					n++
				}
			}
		}
		if want > 0 && n >= want {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := map[int]int{}
	for i, p := range probes {
		for range len(p.Pending()) {
			sm, ok := p.ExpectAny(t, wait).(*peer.SendMessage)
			if !ok {
				continue
			}
			switch msg := sm.Msg.(type) {
			case *protocol.MsgAddr:
				got[i] += len(msg.AddrList)
			case *protocol.MsgAddrV2:
				got[i] += len(msg.AddrList)
			}
		}
	}
	return got
}

// TestRelayFreshAddressToTwoPeers runs in a synctest bubble: relayed
// addresses wait for each peer's send time.
func TestRelayFreshAddressToTwoPeers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system, book, probes := relayNet(t, 6, false)
		p := probes[0]
		origin := sender(0, p, netip.MustParseAddrPort("20.1.1.1:8333"))
		fresh := protocol.NetAddress{Timestamp: uint32(time.Now().Unix()), Services: protocol.SFNodeNetwork,
			Addr: netip.MustParseAddr("77.1.2.3"), Port: 8333}
		system.Root.Send(book, &dispatcher.Deliver{From: origin, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{fresh}}})
		// Not at once: the news waits for each peer's next send time (Core's
		// m_next_addr_send, exponential with mean 30 s).
		synctest.Wait()
		if got := relayedTo(t, probes, 0); len(got) != 0 {
			t.Fatalf("relayed at once to %v", got)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		got := relayedTo(t, probes, 2)
		if len(got) != 2 || got[0] != 0 {
			t.Fatalf("relayed to %v, want two peers other than the origin", got)
		}
		for i, n := range got {
			if n != 1 {
				t.Fatalf("peer %d got %d addresses, want 1", i, n)
			}
		}

		// The same news again: the chosen peers know it, nobody gets it twice.
		system.Root.Send(book, &dispatcher.Deliver{From: origin, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{fresh}}})
		syncBook(t, system, book, p)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if got := relayedTo(t, probes, 0); len(got) != 0 {
			t.Fatalf("repeat relayed to %v, want nobody", got)
		}

		// Stale news, and large messages (getaddr answers), are not relayed.
		stale := fresh
		stale.Addr, stale.Timestamp = netip.MustParseAddr("77.1.2.4"), uint32(time.Now().Add(-time.Hour).Unix())
		big := floodAddrs(0, relayMaxBatch+1, time.Now())
		system.Root.Send(book, &dispatcher.Deliver{From: origin, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{stale}}})
		system.Root.Send(book, &dispatcher.Deliver{From: origin, Msg: &protocol.MsgAddr{AddrList: big}})
		syncBook(t, system, book, p)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if got := relayedTo(t, probes, 0); len(got) != 0 {
			t.Fatalf("stale or bulk addresses relayed to %v", got)
		}
	})
}

// syncBook waits until the book has handled everything sent before.
func syncBook(t *testing.T, system *actor.ActorSystem, book *actor.PID, p *actortest.Probe) {
	t.Helper()
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	actortest.Expect[*inspect.Description](t, p, wait)
}

// TestRelayTargetsStableForADay: the peers chosen for an address stay the
// same through the day and change with it.
func TestRelayTargetsStableForADay(t *testing.T) {
	r := relayer{seed: maphash.MakeSeed()}
	choose := func(k addrKey, now time.Time) [2]uint64 {
		base, n := r.relayScore(r.addrHash(k), true, now)
		if n != 2 {
			t.Fatalf("reachable address relayed to %d peers, want 2", n)
		}
		var best [2]struct{ s, id uint64 }
		for id := range uint64(10) {
			s := r.peerScore(base, id)
			switch {
			case s > best[0].s:
				best[1], best[0] = best[0], struct{ s, id uint64 }{s, id}
			case s > best[1].s:
				best[1] = struct{ s, id uint64 }{s, id}
			}
		}
		return [2]uint64{best[0].id, best[1].id}
	}
	same, changed := 0, 0
	for i := range 200 {
		k := v4(byte(11+i%80), byte(i), 1, 1)
		a := choose(k, t0)
		if a == choose(k, t0.Add(time.Minute)) {
			same++
		}
		if a != choose(k, t0.Add(relayRotate)) {
			changed++
		}
	}
	// A minute crosses the address's own day boundary for about 1 in 1440.
	if same < 195 {
		t.Errorf("targets unchanged after a minute for %d of 200 addresses", same)
	}
	if changed < 100 {
		t.Errorf("targets changed after a day for only %d of 200 addresses", changed)
	}
	// Unreachable networks go to one or two peers.
	ones := 0
	for i := range 200 {
		k := addrKey{net: protocol.NetTorV3, port: 8333}
		k.addr[0], k.addr[1] = byte(i), 1
		if _, n := r.relayScore(r.addrHash(k), false, t0); n == 1 {
			ones++
		}
	}
	if ones < 50 || ones > 150 {
		t.Errorf("%d of 200 Tor addresses go to one peer, want about half", ones)
	}
}

func TestAddrFetchDisconnectsAfterAnswer(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	addr := netip.MustParseAddrPort("9.9.9.9:8333")
	system.Root.Send(book, &Connected{ID: 3, Peer: p.PID(), Addr: addr, AddrFetch: true})
	actortest.ExpectMatch(t, p, wait, func(m *peer.SendMessage) bool { return m.Msg.Command() == protocol.CmdGetAddr })
	from := dispatcher.Sender{ID: 3, PID: p.PID(), Remote: addr}
	// One address is a self-announcement, not the answer.
	system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: floodAddrs(0, 1, time.Now())}})
	actortest.ExpectNone[*peer.Disconnect](t, p, 100*time.Millisecond)
	system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: floodAddrs(1, 5, time.Now())}})
	d := actortest.Expect[*peer.Disconnect](t, p, wait)
	if !errors.Is(d.Reason, ErrAddrFetchDone) {
		t.Fatalf("disconnect reason %v, want %v", d.Reason, ErrAddrFetchDone)
	}
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	if desc := actortest.Expect[*inspect.Description](t, p, wait); desc.Summary["outbound"] != 0 {
		t.Fatalf("an addr-fetch connection counted as outbound: %v", desc.Summary)
	}
	if got := snapshot(t, system, book, p); len(got) != 7 {
		t.Fatalf("book holds %d addresses, want the 6 learnt and the seed node", len(got))
	}
}

// TestOwnAddressAnnouncedAboutDaily: an outbound peer hears our address
// right after the handshake and again about once a day (Poisson, mean 24 h).
func TestOwnAddressAnnouncedAboutDaily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := system.Root.Spawn(Props(Config{Network: mustNetwork(t, "mainnet")}))
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: netip.MustParseAddrPort("9.9.9.9:8333"), Local: local})
		announced := func() int {
			n := 0
			for range len(p.Pending()) {
				sm, ok := p.ExpectAny(t, time.Second).(*peer.SendMessage)
				if m, isAddr := sm.Msg.(*protocol.MsgAddr); ok && isAddr && len(m.AddrList) == 1 && m.AddrList[0].AddrPort() == local {
					n++
				}
			}
			return n
		}
		synctest.Wait()
		if n := announced(); n != 1 {
			t.Fatalf("%d announcements at the handshake, want 1", n)
		}
		time.Sleep(20 * 24 * time.Hour)
		synctest.Wait()
		if n := announced(); n < 5 || n > 45 {
			t.Errorf("%d announcements in 20 days, want about 20", n)
		}
		if err := system.Root.StopFuture(book).Wait(); err != nil {
			t.Fatal(err)
		}
		p.Stop()
		time.Sleep(2 * time.Second)
		synctest.Wait()
	})
}

// TestGossipKeepsOnlyBlockServers: like Core's ProcessAddrs, an address
// whose node serves no blocks (neither NODE_NETWORK nor
// NODE_NETWORK_LIMITED) is not stored; one on a port of another service
// (netaddr.IsBadPort) is stored, and only dialling passes it over.
func TestGossipKeepsOnlyBlockServers(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	from := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: netip.MustParseAddrPort("9.9.9.9:8333")}
	system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: from.Remote})
	now := uint32(time.Now().Unix())
	gossip := []protocol.NetAddress{
		{Timestamp: now, Services: protocol.SFNodeNetwork | protocol.SFNodeWitness, Addr: netip.MustParseAddr("11.0.0.1"), Port: 8333},
		{Timestamp: now, Services: protocol.SFNodeNetworkLimited, Addr: netip.MustParseAddr("12.0.0.1"), Port: 8333},
		{Timestamp: now, Services: protocol.SFNodeWitness | protocol.SFNodeBloom, Addr: netip.MustParseAddr("13.0.0.1"), Port: 8333},
		{Timestamp: now, Services: 0, Addr: netip.MustParseAddr("14.0.0.1"), Port: 8333},
		{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("15.0.0.1"), Port: 22},
	}
	system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: gossip}})
	st := bookStats(t, system, book, p)
	held := map[string]bool{}
	for _, e := range st.List {
		held[e.Addr.Addr().String()] = true
	}
	for ip, want := range map[string]bool{
		"11.0.0.1": true, "12.0.0.1": true, "13.0.0.1": false, "14.0.0.1": false, "15.0.0.1": true,
	} {
		if held[ip] != want {
			t.Errorf("%s held: %v, want %v (book: %v)", ip, held[ip], want, held)
		}
	}
}

// TestRelayBatchedOnPoissonTimer: addresses relayed to a peer go out in
// batches at exponential intervals of mean 30 s (Core's
// AVG_ADDRESS_BROADCAST_INTERVAL), not one message each: 600 addresses
// arriving one a second reach each peer in about 20 messages.
func TestRelayBatchedOnPoissonTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system, book, probes := relayNet(t, 3, false)
		origin := sender(0, probes[0], netip.MustParseAddrPort("20.1.1.1:8333"))
		for i := range 600 {
			fresh := protocol.NetAddress{Timestamp: uint32(time.Now().Unix()), Services: protocol.SFNodeNetwork,
				Addr: netip.AddrFrom4([4]byte{77, byte(i / 200), byte(i % 200), 1}), Port: 8333}
			system.Root.Send(book, &dispatcher.Deliver{From: origin, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{fresh}}})
			time.Sleep(time.Second)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		for _, i := range []int{1, 2} {
			msgs, addrs := 0, 0
			for range len(probes[i].Pending()) {
				sm, ok := probes[i].ExpectAny(t, wait).(*peer.SendMessage)
				if !ok {
					continue // the dispatcher's Handled, for instance
				}
				if m, isAddr := sm.Msg.(*protocol.MsgAddr); isAddr {
					msgs++
					addrs += len(m.AddrList)
				}
			}
			if addrs != 600 {
				t.Errorf("peer %d got %d addresses, want all 600", i, addrs)
			}
			if msgs < 8 || msgs > 45 {
				t.Errorf("peer %d got them in %d messages, want about 20 (one per 30 s)", i, msgs)
			}
		}
	})
}

// TestInboundHearsOurAddressAboutDaily: as in Core, an inbound peer takes
// no part in address relay until its first getaddr (or addr, addrv2):
// three days of silence bring it nothing. Its getaddr brings our address
// at once, alone in its message, then the answer; and our address about
// daily after that (Poisson, mean 24 h), through its address queue.
func TestInboundHearsOurAddressAboutDaily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := spawnBook(t, system, Config{})
		system.Root.Send(book, &Add{Addrs: floodAddrs(0, 50, time.Now())})
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		in := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: netip.MustParseAddrPort("9.9.9.9:50000"), Inbound: true}
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true, Local: local})
		time.Sleep(3 * 24 * time.Hour)
		synctest.Wait()
		if n := len(p.Pending()); n != 0 {
			t.Fatalf("%d messages to an inbound peer outside address relay, want none", n)
		}
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
		self := actortest.Expect[*peer.SendMessage](t, p, wait).Msg.(*protocol.MsgAddr)
		if len(self.AddrList) != 1 || self.AddrList[0].AddrPort() != local {
			t.Fatalf("first message after getaddr = %v, want our address %v alone", self.AddrList, local)
		}
		answer := actortest.Expect[*peer.SendMessage](t, p, wait).Msg.(*protocol.MsgAddr)
		if len(answer.AddrList) < 5 {
			t.Fatalf("getaddr answer of %d addresses, want about 23%% of 50", len(answer.AddrList))
		}
		time.Sleep(20 * 24 * time.Hour)
		synctest.Wait()
		if n := countSelf(t, p, local); n < 5 || n > 45 {
			t.Errorf("%d announcements in 20 days, want about 20", n)
		}
	})
}

// countSelf counts the addr messages waiting at p that hold only local.
func countSelf(t *testing.T, p *actortest.Probe, local netip.AddrPort) int {
	t.Helper()
	n := 0
	for range len(p.Pending()) {
		sm, ok := p.ExpectAny(t, wait).(*peer.SendMessage)
		if !ok {
			continue
		}
		if m, isAddr := sm.Msg.(*protocol.MsgAddr); isAddr && len(m.AddrList) == 1 && m.AddrList[0].AddrPort() == local {
			n++
		}
	}
	return n
}
