package connmgr

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/connmgr/machine"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/transport"
)

func TestConnectDialsOnlyThose(t *testing.T) {
	r := newRig(t, Config{Connect: []string{"1.2.3.4:18444", "5.6.7.8"}, MaxOutbound: DefaultMaxOutbound})
	var got []netip.AddrPort
	for range 2 {
		d := r.expectDial()
		if d.Timeout != DefaultDialTimeout {
			t.Errorf("dial timeout %v, want %v", d.Timeout, DefaultDialTimeout)
		}
		got = append(got, d.Addr)
	}
	slices.SortFunc(got, func(a, b netip.AddrPort) int { return a.Compare(b) })
	want := []netip.AddrPort{netip.MustParseAddrPort("1.2.3.4:18444"), netip.MustParseAddrPort("5.6.7.8:8333")}
	if !slices.Equal(got, want) {
		t.Fatalf("dialled %v, want %v", got, want)
	}
	// Several ticks later: nothing else dialled, the book never asked.
	actortest.ExpectNone[*transport.Dial](t, r.io, 1200*time.Millisecond)
	actortest.ExpectNone[*addrbook.Candidates](t, r.book, 0)
}

func TestOutboundSlotsFilledFromAddrBook(t *testing.T) {
	r := newRig(t, Config{MaxOutbound: 3})
	c := actortest.Expect[*addrbook.Candidates](t, r.book, wait)
	if c.Max != 3 || !c.ReplyTo.Equal(r.cm) {
		t.Fatalf("candidates request %+v, want Max 3 from connmgr", c)
	}
	offered := []netip.AddrPort{
		netip.MustParseAddrPort("1.0.0.1:8333"),
		netip.MustParseAddrPort("1.0.0.2:8333"), // same /16 as the first: skipped
		netip.MustParseAddrPort("2.0.0.1:8333"),
		netip.MustParseAddrPort("3.0.0.1:8333"),
		netip.MustParseAddrPort("4.0.0.1:8333"),
	}
	r.send(&addrbook.CandidatesReply{Addrs: offered})
	dials := map[netip.AddrPort]*transport.Dial{}
	for range 3 {
		d := r.expectDial()
		dials[d.Addr] = d
	}
	for _, a := range []string{"1.0.0.1:8333", "2.0.0.1:8333", "3.0.0.1:8333"} {
		if dials[netip.MustParseAddrPort(a)] == nil {
			t.Fatalf("dialled %v, want %s among them", dials, a)
		}
	}
	// The slots are full (pending dials count): no more asks, no more dials.
	actortest.ExpectNone[*transport.Dial](t, r.io, 1200*time.Millisecond)
	actortest.ExpectNone[*addrbook.Candidates](t, r.book, 0)

	// One dial succeeds, one fails: the failure is reported and its slot
	// asked for again, excluding what is connected or pending.
	ok := dials[netip.MustParseAddrPort("1.0.0.1:8333")]
	r.send(&transport.Dialed{Tag: ok.Tag, Addr: ok.Addr, Conn: 1, Local: netip.MustParseAddrPort("127.0.0.1:40000")})
	attach := actortest.Expect[*transport.Attach](t, r.io, wait)
	sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	if !attach.Peer.Equal(sp.pid) || sp.cfg.Conn != 1 || sp.cfg.Inbound || sp.cfg.Nonces == nil || sp.pid.Id != r.cm.Id+"/peer-0" {
		t.Fatalf("attach %+v, spawned %+v", attach, sp)
	}
	bad := dials[netip.MustParseAddrPort("2.0.0.1:8333")]
	r.send(&transport.Dialed{Tag: bad.Tag, Addr: bad.Addr, Err: errors.New("connection refused")})
	att := actortest.ExpectMatch(t, r.book, wait, func(a *addrbook.Attempt) bool { return !a.Success })
	if att.Addr != bad.Addr {
		t.Fatalf("failed attempt reported for %v, want %v", att.Addr, bad.Addr)
	}
	c = actortest.Expect[*addrbook.Candidates](t, r.book, wait)
	if c.Max != 1 {
		t.Fatalf("asked for %d candidates, want 1", c.Max)
	}
	for _, a := range []string{"1.0.0.1:8333", "3.0.0.1:8333"} {
		if !slices.Contains(c.Exclude, netip.MustParseAddrPort(a)) {
			t.Fatalf("exclude %v lacks %s", c.Exclude, a)
		}
	}
	if r.waitPeers(1)[0].ConnType != ConnOutboundFullRelay {
		t.Fatalf("peer type %q", r.peersNow()[0].ConnType)
	}
}

func TestInboundBeyondLimitRefused(t *testing.T) {
	// Two inbound slots: four connections, less one outbound and one feeler.
	r := newRig(t, Config{MaxConnections: 4, MaxOutbound: 1})
	for i := range 3 {
		r.accept(transport.ConnID(10+i), netip.AddrPortFrom(netip.AddrFrom4([4]byte{8, 8, 8, byte(i + 1)}), 50000).String())
	}
	for range 2 {
		actortest.Expect[*transport.Attach](t, r.io, wait)
	}
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	if cl.Conn != 12 || !errors.Is(cl.Reason, ReasonInboundFull) {
		t.Fatalf("close %+v, want conn 12 for %v", cl, ReasonInboundFull)
	}
	for _, p := range r.waitPeers(2) {
		if !p.Inbound || p.ConnType != ConnInbound {
			t.Fatalf("peer %+v, want inbound", p)
		}
	}
}

func TestBans(t *testing.T) {
	r := newRig(t, Config{MaxOutbound: 2})
	actortest.Expect[*addrbook.Candidates](t, r.book, wait)
	r.accept(1, "9.9.9.9:50000")
	actortest.Expect[*transport.Attach](t, r.io, wait)
	r.waitPeers(1)

	// Banning the subnet closes the connected peer in it.
	r.send(&Ban{Subnet: netip.MustParsePrefix("9.9.9.0/24")})
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	if cl.Conn != 1 || !errors.Is(cl.Reason, ReasonBanned) {
		t.Fatalf("close %+v, want conn 1 banned", cl)
	}
	// A banned inbound is refused.
	r.accept(2, "9.9.9.10:50001")
	cl = actortest.Expect[*transport.Close](t, r.io, wait)
	if cl.Conn != 2 || !errors.Is(cl.Reason, ReasonBanned) {
		t.Fatalf("close %+v, want conn 2 banned", cl)
	}
	// A banned candidate is never dialled.
	r.send(&addrbook.CandidatesReply{Addrs: []netip.AddrPort{netip.MustParseAddrPort("9.9.9.11:8333")}})
	actortest.ExpectNone[*transport.Dial](t, r.io, 300*time.Millisecond)

	p := actortest.NewProbe(t, r.system)
	r.send(&ListBans{ReplyTo: p.PID()})
	bans := actortest.Expect[*Bans](t, p, wait)
	if len(bans.List) != 1 || bans.List[0].Subnet != netip.MustParsePrefix("9.9.9.0/24") ||
		time.Until(bans.List[0].Until) < DefaultBanTime-time.Minute {
		t.Fatalf("bans %+v, want 9.9.9.0/24 for a day", bans.List)
	}
	r.send(&Unban{Subnet: netip.MustParsePrefix("9.9.9.0/24")})
	r.send(&ListBans{ReplyTo: p.PID()})
	if bans := actortest.Expect[*Bans](t, p, wait); len(bans.List) != 0 {
		t.Fatalf("bans after Unban: %+v", bans.List)
	}
	r.accept(3, "9.9.9.12:50002")
	if a := actortest.Expect[*transport.Attach](t, r.io, wait); a.Conn != 3 {
		t.Fatalf("attach %+v, want conn 3 after the unban", a)
	}
}

// TestClosedAndTerminatedCleanUpOnce covers both orders: io's Closed before
// the peer's Terminated, and the peer stopping while its connection is open.
func TestClosedAndTerminatedCleanUpOnce(t *testing.T) {
	r := newRig(t, Config{MaxOutbound: 2})
	actortest.Expect[*addrbook.Candidates](t, r.book, wait)
	r.send(&addrbook.CandidatesReply{Addrs: []netip.AddrPort{
		netip.MustParseAddrPort("1.0.0.1:8333"), netip.MustParseAddrPort("2.0.0.1:8333"),
	}})
	pids := map[transport.ConnID]*spawnedPeer{}
	for i := range 2 {
		d := r.expectDial()
		r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Conn: transport.ConnID(i + 1)})
		sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
		pids[sp.cfg.Conn] = sp
	}
	r.waitPeers(2)
	r.parent.Watch(pids[1].pid)
	r.parent.Watch(pids[2].pid)

	// Conn 1: io reports the close to owner and peer; connmgr handles it
	// first, then the peer stops.
	closed := &transport.Closed{Conn: 1, Reason: errors.New("EOF")}
	r.send(closed)
	r.waitPeers(1)
	r.system.Root.Send(pids[1].pid, closed)
	actortest.Expect[*actor.Terminated](t, r.parent, wait)

	// Conn 2: the peer stops first; connmgr closes the connection, then io
	// reports it closed.
	r.system.Root.Send(pids[2].pid, &fakeStop{})
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	if cl.Conn != 2 || !errors.Is(cl.Reason, ReasonPeerStopped) {
		t.Fatalf("close %+v, want conn 2 for %v", cl, ReasonPeerStopped)
	}
	r.send(&transport.Closed{Conn: 2, Reason: cl.Reason})
	r.waitPeers(0)

	// Each peer: one failed attempt reported, one "disconnected" line.
	actortest.Eventually(t, wait, "two disconnected lines", func() bool {
		return r.logs.FilterMessage("disconnected").Len() >= 2
	})
	actortest.ExpectNone[*transport.Close](t, r.io, 200*time.Millisecond)
	var attempts []netip.AddrPort
	for _, m := range r.book.Pending() {
		if a, ok := m.(*addrbook.Attempt); ok && !a.Success {
			attempts = append(attempts, a.Addr)
		}
	}
	if len(attempts) != 2 || attempts[0] == attempts[1] {
		t.Fatalf("failed attempts reported %v, want one per peer", attempts)
	}
	lines := r.logs.FilterMessage("disconnected").All()
	if len(lines) != 2 {
		t.Fatalf("%d disconnected lines, want 2", len(lines))
	}
	for _, l := range lines {
		want := "EOF"
		if l.ContextMap()["peer"] == uint64(1) {
			want = ReasonPeerStopped.Error()
		}
		if l.ContextMap()["reason"] != want {
			t.Errorf("disconnected %v: reason %v, want %q", l.ContextMap()["peer"], l.ContextMap()["reason"], want)
		}
	}
}

func TestCrashedPeerIsStoppedAndItsConnectionClosed(t *testing.T) {
	r := newRig(t, Config{})
	r.accept(7, "8.8.8.8:50000")
	actortest.Expect[*transport.Attach](t, r.io, wait)
	sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	r.system.Root.Send(sp.pid, &fakeCrash{})
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	if cl.Conn != 7 || !errors.Is(cl.Reason, ReasonPeerStopped) {
		t.Fatalf("close %+v, want conn 7 for %v", cl, ReasonPeerStopped)
	}
	r.waitPeers(0)
	// connmgr itself goes on.
	r.accept(8, "8.8.8.9:50000")
	actortest.Expect[*transport.Attach](t, r.io, wait)
}

func TestHandshakenTellsAddrBook(t *testing.T) {
	r := newRig(t, Config{})
	r.accept(3, "8.8.8.8:50000")
	sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	r.system.Root.Send(sp.pid, &fakeHandshake{services: 9})
	c := actortest.Expect[*addrbook.Connected](t, r.book, wait)
	if c.ID != sp.cfg.ID || !c.Peer.Equal(sp.pid) || !c.Inbound || c.Services != 9 ||
		c.Addr != netip.MustParseAddrPort("8.8.8.8:50000") {
		t.Fatalf("connected %+v", c)
	}
	if !r.waitPeers(1)[0].Handshaken {
		t.Fatal("peer not marked handshaken")
	}
	r.send(&DisconnectNode{ID: sp.cfg.ID})
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	r.send(&transport.Closed{Conn: cl.Conn, Reason: cl.Reason})
	if d := actortest.Expect[*addrbook.Disconnected](t, r.book, wait); d.ID != sp.cfg.ID {
		t.Fatalf("disconnected %+v", d)
	}
	p := actortest.NewProbe(t, r.system)
	r.send(&DisconnectNode{Addr: "8.8.8.8:50000", ReplyTo: p.PID()})
	if rep := actortest.Expect[*DisconnectNodeReply](t, p, wait); !errors.Is(rep.Err, ErrNodeNotFound) {
		t.Fatalf("disconnect of a gone peer: %v", rep.Err)
	}
}

func TestListenFailedReported(t *testing.T) {
	bind := netip.MustParseAddrPort("127.0.0.1:18444")
	r := newRig(t, Config{Listen: true, Bind: []netip.AddrPort{bind}})
	l := actortest.Expect[*transport.Listen](t, r.io, wait)
	if l.Addr != bind || !l.Owner.Equal(r.cm) {
		t.Fatalf("listen %+v", l)
	}
	fail := errors.New("address in use")
	r.send(&transport.Listening{Requested: bind, Err: fail})
	lf := actortest.Expect[*ListenFailed](t, r.parent, wait)
	if lf.Addr != bind || !errors.Is(lf.Err, fail) {
		t.Fatalf("listen failed %+v", lf)
	}
	p := actortest.NewProbe(t, r.system)
	r.send(&GetListeners{ReplyTo: p.PID()})
	if ls := actortest.Expect[*Listeners](t, p, wait); !ls.Ready || !errors.Is(ls.Err, fail) {
		t.Fatalf("listeners %+v", ls)
	}
}

func TestDescribe(t *testing.T) {
	r := newRig(t, Config{MaxConnections: 10})
	r.accept(1, "8.8.8.8:50000")
	sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	p := actortest.NewProbe(t, r.system)
	r.send(&inspect.Describe{ReplyTo: p.PID()})
	d := actortest.Expect[*inspect.Description](t, p, wait)
	if d.Kind != "connmgr" || len(d.Children) != 1 || !d.Children[0].Equal(sp.pid) ||
		d.Summary["inbound"] != 1 || d.Summary["max_connections"] != 10 {
		t.Fatalf("description %+v", d)
	}
}

// TestAddNodeReconnectsWithBackoff runs in a synctest bubble: the backoff
// waits pass in fake time.
func TestAddNodeReconnectsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, Config{AddNode: []string{"1.2.3.4:8333"}})
		addr := netip.MustParseAddrPort("1.2.3.4:8333")
		d := r.expectDial()
		if d.Addr != addr {
			t.Fatalf("dialled %v, want %v", d.Addr, addr)
		}
		// Connected, then closed before the handshake: redial after 1 s.
		r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Conn: 1})
		sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
		if r.waitPeers(1)[0].ConnType != ConnManual {
			t.Fatal("addnode peer is not manual")
		}
		closedAt := time.Now()
		r.send(&transport.Closed{Conn: 1, Reason: errors.New("EOF")})
		r.system.Root.Send(sp.pid, &transport.Closed{Conn: 1})
		d = r.expectDial()
		if gap := time.Since(closedAt); gap < machine.ManualRetryMin || gap > machine.ManualRetryMin+time.Second {
			t.Fatalf("redialled after %v, want about %v", gap, machine.ManualRetryMin)
		}
		// The dial fails: the wait doubles.
		failedAt := time.Now()
		r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Err: errors.New("refused")})
		d = r.expectDial()
		if gap := time.Since(failedAt); gap < 2*machine.ManualRetryMin || gap > 2*machine.ManualRetryMin+time.Second {
			t.Fatalf("redialled after %v, want about %v", gap, 2*machine.ManualRetryMin)
		}
		// A handshake resets it.
		r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Conn: 2})
		sp = actortest.Expect[*spawnedPeer](t, r.peers, wait)
		r.system.Root.Send(sp.pid, &fakeHandshake{})
		actortest.Expect[*addrbook.Connected](t, r.book, wait)
		closedAt = time.Now()
		r.send(&transport.Closed{Conn: 2})
		r.system.Root.Send(sp.pid, &transport.Closed{Conn: 2})
		r.expectDial()
		if gap := time.Since(closedAt); gap > machine.ManualRetryMin+time.Second {
			t.Fatalf("redialled after %v, want about %v after a good connection", gap, machine.ManualRetryMin)
		}
		// Removed: no more redials.
		r.send(&AddNode{Addr: "1.2.3.4:8333", Command: AddNodeRemove})
		actortest.ExpectNone[*transport.Dial](t, r.io, 5*time.Minute)
		r.stopInBubble()
	})
}

func TestAddNodeCommands(t *testing.T) {
	r := newRig(t, Config{})
	p := actortest.NewProbe(t, r.system)
	cmd := func(addr, command string) error {
		r.send(&AddNode{Addr: addr, Command: command, ReplyTo: p.PID()})
		return actortest.Expect[*AddNodeReply](t, p, wait).Err
	}
	// A host name is resolved off the actor (localhost: from /etc/hosts).
	if err := cmd("localhost:18444", AddNodeAdd); err != nil {
		t.Fatalf("add: %v", err)
	}
	if d := r.expectDial(); !d.Addr.Addr().IsLoopback() || d.Addr.Port() != 18444 {
		t.Fatalf("dialled %v, want localhost:18444", d.Addr)
	}
	if err := cmd("localhost:18444", AddNodeAdd); !errors.Is(err, ErrNodeAdded) {
		t.Fatalf("second add: %v, want %v", err, ErrNodeAdded)
	}
	if err := cmd("localhost:18444", AddNodeRemove); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if err := cmd("localhost:18444", AddNodeRemove); !errors.Is(err, ErrNodeNotAdded) {
		t.Fatalf("second remove: %v, want %v", err, ErrNodeNotAdded)
	}
	if err := cmd("1.2.3.4", "sometimes"); !errors.Is(err, ErrUnknownCommand) {
		t.Fatalf("bad command: %v, want %v", err, ErrUnknownCommand)
	}
	// onetry dials once and never again after a failure.
	if err := cmd("5.6.7.8:8333", AddNodeOneTry); err != nil {
		t.Fatalf("onetry: %v", err)
	}
	d := r.expectDial()
	if d.Addr != netip.MustParseAddrPort("5.6.7.8:8333") {
		t.Fatalf("onetry dialled %v", d.Addr)
	}
	r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Err: errors.New("refused")})
	actortest.ExpectNone[*transport.Dial](t, r.io, 1500*time.Millisecond)
}
