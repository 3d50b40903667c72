package machine

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// count returns the open peers of connType.
func (w *world) count(connType string) []PeerInfo {
	var out []PeerInfo
	for _, p := range w.m.Peers() {
		if p.ConnType == connType {
			out = append(out, p)
		}
	}
	return out
}

// allOutboundGroups checks that no two automatic outbound peers, of
// either kind, share a network group.
func (w *world) allOutboundGroups() {
	w.t.Helper()
	seen := map[string]netip.AddrPort{}
	for _, p := range w.m.Peers() {
		if p.ConnType != ConnOutboundFullRelay && p.ConnType != ConnBlockRelayOnly {
			continue
		}
		g := netGroup(p.Remote)
		if other, dup := seen[g]; dup {
			w.t.Fatalf("at %v: outbound %s and %s share group %x", w.now.Sub(t0), other, p.Remote, g)
		}
		seen[g] = p.Remote
	}
}

// TestBlockRelayOnlySlots: the two block-relay-only slots fill after the
// eight full-relay ones, in network groups apart from them, their peers
// spawned to say relay=false; they are counted out of the inbound slots,
// as Core counts them; churn over hours keeps both kinds full.
func TestBlockRelayOnlySlots(t *testing.T) {
	cfg := Config{MaxOutbound: 8, MaxBlockRelay: 2, AddrBook: true, FeelerInterval: -1}
	if got := cfg.MaxInbound(); got != DefaultMaxConnections-8-2 {
		t.Fatalf("MaxInbound %d, want %d", got, DefaultMaxConnections-10)
	}
	if got := (Config{MaxOutbound: 8, MaxBlockRelay: 2, AddrBook: true}).MaxInbound(); got != DefaultMaxConnections-8-2-1 {
		t.Fatalf("MaxInbound with feelers %d", got)
	}
	if got := (Config{MaxOutbound: 8, MaxBlockRelay: 2, AddrBook: true, Connect: []string{"1.2.3.4"}}).BlockRelaySlots(); got != 0 {
		t.Fatalf("block-relay-only slots in -connect mode: %d", got)
	}
	m := newTest(cfg)
	w := newWorld(t, m)
	w.book = crowdedBook(rand.New(rand.NewPCG(5, 6)))
	w.handshake = true
	var spawns []Action
	w.run(time.Second)
	for _, sp := range w.open {
		spawns = append(spawns, sp)
	}
	for _, sp := range spawns {
		if sp.NoTxRelay != (sp.ConnType == ConnBlockRelayOnly) {
			t.Fatalf("spawn %s with NoTxRelay %v", sp.ConnType, sp.NoTxRelay)
		}
	}
	if f, b := len(w.count(ConnOutboundFullRelay)), len(w.count(ConnBlockRelayOnly)); f != 8 || b != 2 {
		t.Fatalf("%d full-relay and %d block-relay-only peers, want 8 and 2", f, b)
	}
	if s := m.Summary(w.now); s.BlockRelayOnly != 2 || s.BlockRelaySlots != 2 || s.Outbound != 10 {
		t.Fatalf("summary %+v, want 2 of 2 block-relay-only slots, 10 outbound", s)
	}
	w.allOutboundGroups()
	w.dropEvery = 7 * time.Minute // churns the full-relay ones
	for range 3 * 60 {
		w.run(time.Minute)
		w.allOutboundGroups()
		if f, b := len(w.count(ConnOutboundFullRelay)), len(w.count(ConnBlockRelayOnly)); f != 8 || b != 2 {
			t.Fatalf("at %v: %d full-relay and %d block-relay-only peers", w.now.Sub(t0), f, b)
		}
	}
}

// TestAnchorsDialledFirst: the anchors of the last run, the first
// MaxAnchors of them, are dialled before anything is asked of the book, as
// block-relay-only, once each, the last first; one in the group of
// another is skipped; at Stop the block-relay-only peers are saved as the
// next run's anchors.
func TestAnchorsDialledFirst(t *testing.T) {
	a1 := Anchor{Addr: netip.MustParseAddrPort("21.1.1.1:8333"), Services: fullNode.Services}
	a2 := Anchor{Addr: netip.MustParseAddrPort("22.1.1.1:8333"), Services: fullNode.Services}
	a3 := Anchor{Addr: netip.MustParseAddrPort("22.1.9.9:8333"), Services: fullNode.Services} // a2's group
	m := newTest(Config{MaxOutbound: 2, MaxBlockRelay: 2, AddrBook: true, FeelerInterval: -1,
		Anchors: []Anchor{a3, a2, a1}, PersistAnchors: true})
	w := newWorld(t, m)
	w.book = func(max int, _ bool, _ []netip.AddrPort) []netip.AddrPort {
		return []netip.AddrPort{netip.MustParseAddrPort("31.1.1.1:8333"), netip.MustParseAddrPort("32.1.1.1:8333"),
			netip.MustParseAddrPort("33.1.1.1:8333")}
	}
	w.handshake = true
	w.run(time.Second)
	if len(w.dials) != 4 || w.dials[0].addr != a2.Addr || w.dials[0].connType != ConnBlockRelayOnly {
		t.Fatalf("dials %+v, want anchor %v first", w.dials, a2.Addr)
	}
	for _, d := range w.dials[1:] {
		if d.addr == a1.Addr || d.addr == a3.Addr {
			t.Fatalf("dialled %v: a third anchor, or one in another's group", d.addr)
		}
	}
	if b := len(w.count(ConnBlockRelayOnly)); b != 2 {
		t.Fatalf("%d block-relay-only peers", b)
	}
	if f := len(w.count(ConnOutboundFullRelay)); f != 2 {
		t.Fatalf("%d full-relay peers", f)
	}
	if w.asks[0].Max != 3 {
		t.Fatalf("asked the book for %d, want the 2 full-relay slots and the block-relay-only one left", w.asks[0].Max)
	}
	out := m.Stop(w.now, nil)
	var saved []Anchor
	for _, a := range out {
		if a.Kind == SaveAnchors {
			saved = a.Anchors
		}
	}
	if len(saved) != 2 || saved[0].Addr != a2.Addr || saved[1].Addr != w.count(ConnBlockRelayOnly)[1].Remote {
		t.Fatalf("saved anchors %+v", saved)
	}
}

// TestStaleTipExtraOutboundPeer: on a stale tip one full-relay peer more
// than the slots is dialled; the next extra-peer check closes the
// full-relay peer whose last block announcement is oldest (sparing the
// protected one), clears the flag, and no more extra peers follow.
func TestStaleTipExtraOutboundPeer(t *testing.T) {
	m := newTest(Config{MaxOutbound: 4, MaxBlockRelay: 2, AddrBook: true, FeelerInterval: -1})
	w := newWorld(t, m)
	w.book = crowdedBook(rand.New(rand.NewPCG(7, 8)))
	w.handshake = true
	w.run(time.Minute)
	full := w.count(ConnOutboundFullRelay)
	if len(full) != 4 {
		t.Fatalf("%d full-relay peers", len(full))
	}
	// All but the first two announced blocks; of those two the first is
	// protected by the chain: the second is the one to go.
	for _, p := range full[2:] {
		m.BlockAnnounced(p.ID, w.now)
	}
	m.ChainProtected(full[0].ID)
	victim := full[1].ID
	dialsBefore := len(w.dials)
	w.do(m.TryNewOutbound(true, nil))
	w.run(time.Second)
	if got := len(w.count(ConnOutboundFullRelay)); got != 5 {
		t.Fatalf("%d full-relay peers after a stale tip, want 5", got)
	}
	if n := len(w.dials) - dialsBefore; n != 1 {
		t.Fatalf("%d dials after a stale tip, want 1", n)
	}
	// The extra peer announces a block: still, victim has the oldest.
	for _, p := range w.count(ConnOutboundFullRelay) {
		if p.ID > full[3].ID {
			m.BlockAnnounced(p.ID, w.now)
		}
	}
	w.run(ExtraPeerCheckInterval + time.Second)
	if _, ok := m.Peer(victim); ok {
		t.Fatalf("peer %d, which never announced a block, was kept", victim)
	}
	if _, ok := m.Peer(full[0].ID); !ok {
		t.Fatal("the protected peer was evicted")
	}
	if m.TryingNewOutbound() {
		t.Fatal("try-new-outbound still set after an eviction")
	}
	dialsBefore = len(w.dials)
	w.run(10 * time.Minute)
	if got := len(w.count(ConnOutboundFullRelay)); got != 4 {
		t.Fatalf("%d full-relay peers, want 4", got)
	}
	if n := len(w.dials) - dialsBefore; n != 0 {
		t.Fatalf("%d dials after the eviction, want none", n)
	}
}

// TestExtraPeerTies: among full-relay peers that never announced a block
// the youngest goes; one connected less than MinimumConnectTime is kept.
func TestExtraPeerTies(t *testing.T) {
	m := newTest(Config{MaxOutbound: 2, AddrBook: true, FeelerInterval: -1})
	w := newWorld(t, m)
	w.book = crowdedBook(rand.New(rand.NewPCG(9, 10)))
	w.handshake = true
	w.run(time.Minute)
	w.do(m.TryNewOutbound(true, nil))
	w.run(time.Second)
	full := w.count(ConnOutboundFullRelay)
	if len(full) != 3 {
		t.Fatalf("%d full-relay peers", len(full))
	}
	young := full[2]
	out := m.EvictExtraOutbound(young.Since.Add(MinimumConnectTime), nil)
	for _, a := range out {
		if a.Kind == Close {
			t.Fatalf("closed %+v before MinimumConnectTime", a)
		}
	}
	w.do(m.EvictExtraOutbound(young.Since.Add(MinimumConnectTime+time.Second), nil))
	if _, ok := m.Peer(young.ID); ok {
		t.Fatal("the youngest of equal peers was kept")
	}
	if len(w.count(ConnOutboundFullRelay)) != 2 {
		t.Fatal("more than one evicted")
	}
}

// TestExtraBlockRelayPeers: once initial sync is over an extra
// block-relay-only peer comes about every ExtraBlockRelayInterval, and
// the extra-peer check closes the youngest, or the next-youngest when the
// youngest gave a block more recently; the slots stay at two between.
func TestExtraBlockRelayPeers(t *testing.T) {
	m := newTest(Config{MaxOutbound: 2, MaxBlockRelay: 2, AddrBook: true, FeelerInterval: -1})
	w := newWorld(t, m)
	w.book = crowdedBook(rand.New(rand.NewPCG(11, 12)))
	w.handshake = true
	w.run(time.Hour)
	if n := len(w.count(ConnBlockRelayOnly)); n != 2 {
		t.Fatalf("%d block-relay-only peers", n)
	}
	for _, d := range w.dials[4:] {
		t.Fatalf("extra dial %+v before initial sync finished", d)
	}
	w.do(m.StartExtraBlockRelay(nil))
	start := len(w.dials)
	for range 10 * 60 {
		w.run(time.Minute)
		if n := len(w.count(ConnBlockRelayOnly)); n < 2 || n > 3 {
			t.Fatalf("at %v: %d block-relay-only peers", w.now.Sub(t0), n)
		}
	}
	extra := 0
	for _, d := range w.dials[start:] {
		if d.connType != ConnBlockRelayOnly {
			t.Fatalf("unexpected dial %+v", d)
		}
		extra++
	}
	// About 120 in ten hours; the check every 45 s and the grant held
	// meanwhile make it fewer.
	if extra < 60 || extra > 130 {
		t.Fatalf("%d extra block-relay-only peers in ten hours", extra)
	}

	// The youngest gave a block more recently than the next-youngest:
	// the next-youngest goes.
	w.do(m.EvictExtraOutbound(w.now, nil)) // settle to two
	if m.extraBlockRelayOn && len(w.count(ConnBlockRelayOnly)) == 3 {
		t.Fatal("three block-relay-only peers after a check")
	}
	m.extraBlockRelayOn = false
	m.nextExtraBlockRelay = time.Time{}
	m.extraBlockRelayAsked = true
	w.do(m.Candidates(w.now, []netip.AddrPort{netip.MustParseAddrPort("99.1.1.1:8333")}, false, nil))
	br := w.count(ConnBlockRelayOnly)
	if len(br) != 3 {
		t.Fatalf("%d block-relay-only peers after the extra one", len(br))
	}
	youngest, next := br[2], br[1]
	m.BlockAnnounced(youngest.ID, w.now)
	w.now = w.now.Add(MinimumConnectTime)
	w.do(m.EvictExtraOutbound(w.now, nil))
	if _, ok := m.Peer(next.ID); ok {
		t.Fatal("the next-youngest was kept though the youngest gave a newer block")
	}
	if _, ok := m.Peer(youngest.ID); !ok {
		t.Fatal("the youngest, which gave a newer block, was evicted")
	}
}

// TestAnchorWithoutServicesSkipped: an anchor whose services lack
// NETWORK and WITNESS is not dialled (Core's HasAllDesirableServiceFlags).
func TestAnchorWithoutServicesSkipped(t *testing.T) {
	m := newTest(Config{MaxOutbound: 1, MaxBlockRelay: 2, AddrBook: true, FeelerInterval: -1,
		Anchors: []Anchor{{Addr: netip.MustParseAddrPort("21.1.1.1:8333")}}})
	for _, a := range m.Start(t0, nil) {
		if a.Kind == Dial {
			t.Fatalf("dialled %v, an anchor without services", a.Addr)
		}
	}
}
