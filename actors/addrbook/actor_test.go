package addrbook

import (
	"maps"
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

const wait = 5 * time.Second

// TestMain checks for leaked goroutines. protoactor's dead-letter throttle
// keeps a goroutine for up to a second after a dead letter; it is the
// library's, not ours.
func TestMain(m *testing.M) { actortest.VerifyNoLeaks(m) }

func newSystem(t *testing.T) *actor.ActorSystem { return actortest.NewSystem(t) }

// spawnBook starts an address book and stops it when the test ends.
func spawnBook(t *testing.T, system *actor.ActorSystem, cfg Config) *actor.PID {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = zaptest.NewLogger(t)
	}
	if cfg.Network.Name == "" {
		cfg.Network = mustNetwork(t, "mainnet")
	}
	pid := system.Root.Spawn(Props(cfg))
	t.Cleanup(func() {
		if err := system.Root.StopFuture(pid).Wait(); err != nil {
			t.Errorf("stop addrbook: %v", err)
		}
	})
	return pid
}

func mustNetwork(t testing.TB, name string) protocol.Params {
	t.Helper()
	p, err := protocol.Network(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func snapshot(t *testing.T, system *actor.ActorSystem, book *actor.PID, p *actortest.Probe) map[netip.AddrPort]Entry {
	t.Helper()
	system.Root.Send(book, &GetAddrs{ReplyTo: p.PID()})
	out := make(map[netip.AddrPort]Entry)
	for _, e := range actortest.Expect[*Addrs](t, p, wait).List {
		out[e.Addr] = e
	}
	return out
}

func TestRegistersWithDispatcher(t *testing.T) {
	system := newSystem(t)
	disp := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{Dispatcher: disp.PID()})
	got := map[string]bool{}
	for range 3 {
		r := actortest.Expect[*dispatcher.Register](t, disp, wait)
		if !r.Handler.Equal(book) {
			t.Fatalf("registered %v, want the book %v", r.Handler, book)
		}
		got[r.Command] = true
	}
	for _, cmd := range []string{"addr", "addrv2", "getaddr"} {
		if !got[cmd] {
			t.Errorf("no registration for %q (got %v)", cmd, got)
		}
	}
}

func TestGossipAddsUsableAddresses(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	now := uint32(time.Now().Unix())
	from := dispatcher.Sender{ID: 7, PID: p.PID(), Remote: netip.MustParseAddrPort("9.9.9.9:8333")}
	// An outbound peer: we ask it for addresses, which credits its bucket.
	system.Root.Send(book, &Connected{ID: 7, Peer: p.PID(), Addr: from.Remote})
	if sm := actortest.Expect[*peer.SendMessage](t, p, wait); sm.Msg.Command() != protocol.CmdGetAddr {
		t.Fatalf("sent %s, want getaddr", sm.Msg.Command())
	}
	system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{
		{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("1.2.3.4"), Port: 8333},
		{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("10.0.0.1"), Port: 8333},
		{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("1.2.3.5"), Port: 0},
		{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.IPv6Unspecified(), Port: 8333},
		{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("2a01:4f8::2"), Port: 18333},
	}}})
	var onion protocol.NetAddressV2
	onion.Network, onion.Port, onion.Timestamp, onion.Services = protocol.NetTorV3, 8333, now, protocol.SFNodeNetwork
	onion.Addr[0] = 0xAB
	system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddrV2{AddrList: []protocol.NetAddressV2{
		onion,
		protocol.NetAddressV2From(protocol.NetAddress{Timestamp: now, Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("5.6.7.8"), Port: 8333}),
	}}})
	got := snapshot(t, system, book, p)
	want := []string{"1.2.3.4:8333", "[2a01:4f8::2]:18333", "5.6.7.8:8333"}
	for _, w := range want {
		e, ok := got[netip.MustParseAddrPort(w)]
		if !ok {
			t.Fatalf("book lacks %s: %v", w, got)
		}
		if e.Source != netip.MustParseAddr("9.9.9.9") {
			t.Errorf("%s: source %v, want the sender", w, e.Source)
		}
	}
	// + the onion, keyed by its zero Addr, + the peer we dialled.
	if len(got) != len(want)+2 {
		t.Fatalf("book holds %d entries, want %d: %v", len(got), len(want)+2, got)
	}
	if e := got[netip.AddrPort{}]; e.Network != "onion" {
		t.Fatalf("non-IP entry = %+v, want an onion", e)
	}
	// The onion is never a dial candidate.
	system.Root.Send(book, &Candidates{Max: 10, Exclude: []netip.AddrPort{from.Remote}, ReplyTo: p.PID()})
	if c := actortest.Expect[*CandidatesReply](t, p, wait); len(c.Addrs) != 3 {
		t.Fatalf("candidates = %v, want the 3 IP addresses", c.Addrs)
	}
}

// TestGetAddrAnsweredOncePerInboundConnection runs in a synctest bubble:
// answers wait in the peer's address queue for their send time.
func TestGetAddrAnsweredOncePerInboundConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		book := spawnBook(t, system, Config{})
		addrs := make([]protocol.NetAddress, 0, 20)
		for i := range 20 {
			addrs = append(addrs, protocol.NetAddress{Services: protocol.SFNodeNetwork,
				Addr: netip.AddrFrom4([4]byte{byte(i + 1), 1, 1, 1}), Port: 8333})
		}
		system.Root.Send(book, &Add{Addrs: addrs})
		const answer = 23 * 21 / 100 // 23% of the book, as Core (mainnet)
		in := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: netip.MustParseAddrPort("8.8.8.8:50000"), Inbound: true}
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true})
		// The asker announces itself: its address is never sent back to it.
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{
			{Timestamp: uint32(time.Now().Unix()), Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("8.8.8.8"), Port: 8333},
		}}})
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
		// Its addr message started the peer's address timer (Core's first
		// pass over its queue), so the answer waits for the next send time:
		// exponential, mean 30 s.
		synctest.Wait()
		actortest.ExpectNone[*peer.SendMessage](t, p, 10*time.Millisecond)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		sm := actortest.Expect[*peer.SendMessage](t, p, wait)
		m, ok := sm.Msg.(*protocol.MsgAddr)
		if !ok {
			t.Fatalf("answer is %T, want *protocol.MsgAddr", sm.Msg)
		}
		if len(m.AddrList) != answer && len(m.AddrList) != answer-1 {
			t.Fatalf("answer holds %d addresses, want %d (or one fewer without the asker's own)", len(m.AddrList), answer)
		}
		for _, na := range m.AddrList {
			if na.Addr == in.Remote.Addr() {
				t.Fatalf("answer holds the asker's own address %v", na.Addr)
			}
		}
		// A second getaddr on the same connection is ignored.
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
		actortest.ExpectNone[*peer.SendMessage](t, p, 200*time.Millisecond)

		// A peer that sent sendaddrv2 gets addrv2, even when its getaddr
		// overtakes connmgr's Connected.
		in2 := dispatcher.Sender{ID: 2, PID: p.PID(), Remote: netip.MustParseAddrPort("8.8.4.4:50000"), Inbound: true}
		system.Root.Send(book, &dispatcher.Deliver{From: in2, Msg: &protocol.MsgGetAddr{}})
		system.Root.Send(book, &Connected{ID: 2, Peer: p.PID(), Addr: in2.Remote, Inbound: true, WantsAddrV2: true})
		sm = actortest.Expect[*peer.SendMessage](t, p, wait)
		v2, ok := sm.Msg.(*protocol.MsgAddrV2)
		if !ok || len(v2.AddrList) < answer-1 {
			t.Fatalf("answer = %#v, want addrv2 with about %d addresses", sm.Msg, answer)
		}
		// Both come from one cache, built at the first getaddr: the first
		// answer is the second without the first asker's own address.
		inV2 := map[netip.AddrPort]bool{}
		for _, na := range v2.AddrList {
			ap, _ := na.AddrPort()
			inV2[ap] = true
		}
		for _, na := range m.AddrList {
			if !inV2[na.AddrPort()] {
				t.Fatalf("%v in the first answer but not the second: not one cache", na.AddrPort())
			}
		}

		// On regtest a tiny book is answered whole, and anew for each asker as
		// it grows.
		small := spawnBook(t, system, Config{Network: mustNetwork(t, "regtest")})
		for i := range 3 {
			system.Root.Send(small, &Add{Addrs: addrs[i : i+1]})
			asker := dispatcher.Sender{ID: uint64(10 + i), PID: p.PID(), Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{7, 7, 7, byte(i)}), 1), Inbound: true}
			system.Root.Send(small, &Connected{ID: asker.ID, Peer: p.PID(), Addr: asker.Remote, Inbound: true})
			system.Root.Send(small, &dispatcher.Deliver{From: asker, Msg: &protocol.MsgGetAddr{}})
			got := actortest.Expect[*peer.SendMessage](t, p, wait).Msg.(*protocol.MsgAddr)
			if len(got.AddrList) != i+1 {
				t.Fatalf("a book of %d answered %d addresses, want all", i+1, len(got.AddrList))
			}
		}

		// getaddr from an outbound peer is ignored.
		out := dispatcher.Sender{ID: 3, PID: p.PID(), Remote: netip.MustParseAddrPort("8.8.4.5:8333")}
		system.Root.Send(book, &dispatcher.Deliver{From: out, Msg: &protocol.MsgGetAddr{}})
		actortest.ExpectNone[*peer.SendMessage](t, p, 200*time.Millisecond)
	})
}

func TestOutboundConnectedGetsGetAddrAndIsMarkedGood(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	addr := netip.MustParseAddrPort("1.2.3.4:8333")
	system.Root.Send(book, &Add{Addrs: []protocol.NetAddress{{Addr: addr.Addr(), Port: addr.Port()}}})
	system.Root.Send(book, &Attempt{Addr: addr, Success: false})
	system.Root.Send(book, &Connected{ID: 5, Peer: p.PID(), Addr: addr, Services: protocol.SFNodeWitness})
	sm := actortest.Expect[*peer.SendMessage](t, p, wait)
	if _, ok := sm.Msg.(*protocol.MsgGetAddr); !ok {
		t.Fatalf("sent %T, want getaddr", sm.Msg)
	}
	e := snapshot(t, system, book, p)[addr]
	if e.LastSuccess.IsZero() || e.Attempts != 0 || e.Services != protocol.SFNodeWitness {
		t.Fatalf("entry after Connected = %+v, want success, 0 attempts, WITNESS", e)
	}
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	d := actortest.Expect[*inspect.Description](t, p, wait)
	if d.Kind != "addrbook" || d.Summary["addresses"] != 1 || d.Summary["outbound"] != 1 {
		t.Fatalf("description = %+v", d)
	}
	system.Root.Send(book, &Disconnected{ID: 5})
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	if d := actortest.Expect[*inspect.Description](t, p, wait); d.Summary["outbound"] != 0 {
		t.Fatalf("outbound after Disconnected = %v, want 0", d.Summary["outbound"])
	}
}

func TestFeelerHandshakeMarksGoodAndNothingElse(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	addr := netip.MustParseAddrPort("1.2.3.4:8333")
	system.Root.Send(book, &Add{Addrs: []protocol.NetAddress{{Addr: addr.Addr(), Port: addr.Port()}}})
	system.Root.Send(book, &Candidates{Max: 1, Feeler: true, ReplyTo: p.PID()})
	if r := actortest.Expect[*CandidatesReply](t, p, wait); !r.Feeler || len(r.Addrs) != 1 || r.Addrs[0] != addr {
		t.Fatalf("feeler candidates %+v, want the new address %v", r, addr)
	}
	system.Root.Send(book, &Connected{ID: 5, Peer: p.PID(), Addr: addr, Services: protocol.SFNodeNetwork, Feeler: true})
	if e := snapshot(t, system, book, p)[addr]; e.LastSuccess.IsZero() || !e.Tried {
		t.Fatalf("entry after the feeler's handshake = %+v, want a success in the tried table", e)
	}
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	if d := actortest.Expect[*inspect.Description](t, p, wait); d.Summary["outbound"] != 0 {
		t.Fatalf("a feeler counted as outbound: %v", d.Summary["outbound"])
	}
	// No getaddr nor self-announcement went to the feeler.
	actortest.ExpectNone[*peer.SendMessage](t, p, 0)
	system.Root.Send(book, &Disconnected{ID: 5})
	system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
	if d := actortest.Expect[*inspect.Description](t, p, wait); d.Summary["outbound"] != 0 {
		t.Fatalf("outbound after the feeler left = %v, want 0", d.Summary["outbound"])
	}
}

var _ = zap.NewNop

// TestGetAddrCacheRenewedDaily: every inbound asker gets the answer built
// for the first one, until it expires after 21 to 27 hours.
func TestGetAddrCacheRenewedDaily(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{Clock: now})
	add := func(from, n int) {
		msg := &Add{}
		for i := from; i < from+n; i++ {
			msg.Addrs = append(msg.Addrs, protocol.NetAddress{Timestamp: uint32(clock.Load()),
				Addr: netip.AddrFrom4([4]byte{byte(11 + i%80), byte(i / 80), 1, 1}), Port: 8333})
		}
		system.Root.Send(book, msg)
	}
	ask := func(id uint64) map[netip.AddrPort]bool {
		in := dispatcher.Sender{ID: id, PID: p.PID(), Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{8, 8, 8, byte(id)}), 5000), Inbound: true}
		system.Root.Send(book, &Connected{ID: id, Peer: p.PID(), Addr: in.Remote, Inbound: true})
		system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
		m := actortest.Expect[*peer.SendMessage](t, p, wait).Msg.(*protocol.MsgAddr)
		out := map[netip.AddrPort]bool{}
		for _, na := range m.AddrList {
			out[na.AddrPort()] = true
		}
		return out
	}
	add(0, 200)
	size := len(snapshot(t, system, book, p))
	first := ask(1)
	if len(first) != size*maxGetAddrPct/100 {
		t.Fatalf("first answer holds %d, want 23%% of %d", len(first), size)
	}
	add(200, 200)
	clock.Add(int64((20 * time.Hour).Seconds()))
	if second := ask(2); !maps.Equal(first, second) {
		t.Fatalf("answer changed within 20 hours: %d addresses, then %d", len(first), len(second))
	}
	clock.Add(int64((8 * time.Hour).Seconds()))
	size = len(snapshot(t, system, book, p))
	if third := ask(3); len(third) != size*maxGetAddrPct/100 {
		t.Fatalf("after 28 hours the answer holds %d addresses, want a new 23%% of %d", len(third), size)
	}
}

// TestGetAddrSmallBookOnRegtest: on regtest a book of at most
// minGetAddrReply addresses is given whole, so that a young local network
// finds itself; on mainnet the same book gets Core's 23%.
func TestGetAddrSmallBookOnRegtest(t *testing.T) {
	for _, tc := range []struct {
		network string
		want    int
	}{
		{"regtest", 10},
		{"mainnet", 23 * 10 / 100},
	} {
		t.Run(tc.network, func(t *testing.T) {
			system := newSystem(t)
			p := actortest.NewProbe(t, system)
			book := spawnBook(t, system, Config{Network: mustNetwork(t, tc.network)})
			addrs := make([]protocol.NetAddress, 0, 10)
			for i := range 10 {
				addrs = append(addrs, protocol.NetAddress{Services: protocol.SFNodeNetwork,
					Addr: netip.AddrFrom4([4]byte{byte(i + 1), 1, 1, 1}), Port: 8333})
			}
			system.Root.Send(book, &Add{Addrs: addrs})
			in := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: netip.MustParseAddrPort("8.8.8.8:50000"), Inbound: true}
			system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: in.Remote, Inbound: true})
			system.Root.Send(book, &dispatcher.Deliver{From: in, Msg: &protocol.MsgGetAddr{}})
			if tc.want == 0 {
				actortest.ExpectNone[*peer.SendMessage](t, p, 200*time.Millisecond)
				return
			}
			sm := actortest.Expect[*peer.SendMessage](t, p, wait)
			if m, ok := sm.Msg.(*protocol.MsgAddr); !ok || len(m.AddrList) != tc.want {
				t.Fatalf("answer %#v, want addr with %d entries", sm.Msg, tc.want)
			}
		})
	}
}

// TestGetAddrCachePerNetworkAndLocalSocket: as Core's GetAddresses, the
// answer is kept per network class of the asker and local socket it
// reached: askers of one network on one socket get the same answer (a
// 6to4 asker counts as IPv4), another socket or network gets its own.
func TestGetAddrCachePerNetworkAndLocalSocket(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	addrs := make([]protocol.NetAddress, 0, 200)
	for i := range 200 {
		addrs = append(addrs, protocol.NetAddress{Services: protocol.SFNodeNetwork,
			Addr: netip.AddrFrom4([4]byte{byte(i + 1), 2, 2, 2}), Port: 8333})
	}
	system.Root.Send(book, &Add{Addrs: addrs})
	answer := func(id uint64, remote, bind string) map[netip.AddrPort]bool {
		t.Helper()
		from := dispatcher.Sender{ID: id, PID: p.PID(), Remote: netip.MustParseAddrPort(remote), Inbound: true}
		system.Root.Send(book, &Connected{ID: id, Peer: p.PID(), Addr: from.Remote, Inbound: true,
			LocalSocket: netip.MustParseAddrPort(bind)})
		system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgGetAddr{}})
		m := actortest.Expect[*peer.SendMessage](t, p, wait).Msg.(*protocol.MsgAddr)
		out := map[netip.AddrPort]bool{}
		for _, na := range m.AddrList {
			out[na.AddrPort()] = true
		}
		// 23% of the book, which may have lost a few to bucket collisions.
		if len(out) < 40 || len(out) > 200*maxGetAddrPct/100 {
			t.Fatalf("answer of %d addresses, want about %d", len(out), 200*maxGetAddrPct/100)
		}
		return out
	}
	same := func(x, y map[netip.AddrPort]bool) bool {
		for ap := range x {
			if !y[ap] {
				return false
			}
		}
		return len(x) == len(y)
	}
	a := answer(1, "8.8.8.8:50000", "1.1.1.1:8333")
	if b := answer(2, "8.8.4.4:50000", "1.1.1.1:8333"); !same(a, b) {
		t.Error("two IPv4 askers on one socket got different answers")
	}
	if d := answer(3, "[2002:808:808::1]:50000", "1.1.1.1:8333"); !same(a, d) {
		t.Error("a 6to4 asker (class IPv4) got another answer than IPv4 askers")
	}
	if c := answer(4, "8.8.4.5:50000", "1.1.1.2:8333"); same(a, c) {
		t.Error("askers on two local sockets share an answer")
	}
	if e := answer(5, "[2a01:4f8::1]:50000", "1.1.1.1:8333"); same(a, e) {
		t.Error("an IPv6 asker shares the IPv4 askers' answer")
	}
}
