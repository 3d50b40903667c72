package connmgr

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/connmgr/machine"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// fakeClock is connmgr's clock in a test: the real time plus an offset the
// test moves forward (connmgr's heartbeat still runs on real timers).
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// spawnConnMgr spawns connmgr over e's network with full full-relay slots,
// block block-relay-only ones, the anchors file anchors ("": none) and
// clock, without listening.
func (e *endToEnd) spawnConnMgr(t *testing.T, full, block int, anchors string, clock func() time.Time) *actor.PID {
	t.Helper()
	return e.parent.Spawn(Props(Config{
		Network: e.params, MaxOutbound: full, MaxBlockRelay: block, AnchorsFile: anchors, FeelerInterval: -1,
		IO: e.io, AddrBook: e.book, Dispatcher: e.disp, Clock: clock,
		PeerTemplate: peer.Config{Network: e.params, UserAgent: "/actornode-test:0.0.1/", Relay: true},
		PeerProps: func(c peer.Config) *actor.Props {
			return peer.Props(c, peer.WithLogger(e.logger.Named("peer")))
		},
		Logger: e.logger.Named("connmgr"),
	}))
}

// listeners starts n remote nodes on 127.0.0.<2..> and puts them in the
// book.
func (e *endToEnd) listeners(t *testing.T, first, n int) []*actortest.RemoteListener {
	t.Helper()
	var ls []*actortest.RemoteListener
	var addrs []protocol.NetAddress
	for i := range n {
		l := actortest.ListenRemote(t, e.system, e.network, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(first + i)}), 18444))
		ls = append(ls, l)
		addrs = append(addrs, protocol.NetAddress{Services: protocol.SFNodeNetwork | protocol.SFNodeWitness,
			Addr: l.Addr().Addr(), Port: l.Addr().Port()})
	}
	e.system.Root.Send(e.book, &addrbook.Add{Addrs: addrs})
	return ls
}

// connTypes returns connmgr's peers' connection types by remote address.
func connTypes(t *testing.T, e *endToEnd, cm *actor.PID) map[netip.AddrPort]string {
	t.Helper()
	p := actortest.NewProbe(t, e.system)
	defer p.Stop()
	e.system.Root.Send(cm, &GetPeers{ReplyTo: p.PID()})
	out := make(map[netip.AddrPort]string)
	for _, row := range actortest.Expect[*Peers](t, p, wait).List {
		out[row.Remote] = row.ConnType
	}
	return out
}

// stopAndWait stops pid and waits until it has stopped.
func stopAndWait(t *testing.T, system *actor.ActorSystem, pid *actor.PID) {
	t.Helper()
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestEndToEndBlockRelayOnlyAndAnchors runs connmgr with one full-relay and
// two block-relay-only slots against three remote nodes over the
// in-memory network, with the real address book, dispatcher and peers.
// The block-relay-only peers get a version saying relay=false, no getaddr
// and no addr, and their addr is ignored; the full-relay peer gets
// relay=true and getaddr. At a clean stop the two block-relay-only
// addresses are written to the anchors file; the next connmgr reads and
// removes it and dials those two first, as block-relay-only again.
func TestEndToEndBlockRelayOnlyAndAnchors(t *testing.T) {
	e := newEndToEnd(t)
	ls := e.listeners(t, 2, 3)
	anchorsFile := filepath.Join(t.TempDir(), AnchorsFileName)
	cm := e.spawnConnMgr(t, 1, 2, anchorsFile, nil)

	remotes := make(map[netip.AddrPort]*actortest.Remote)
	versions := make(map[netip.AddrPort]*protocol.MsgVersion)
	for _, l := range ls {
		r := l.Accept(t, wait)
		versions[l.Addr()] = r.Handshake(t, nil)
		remotes[l.Addr()] = r
	}
	var types map[netip.AddrPort]string
	actortest.Eventually(t, wait, "one full-relay and two block-relay-only peers", func() bool {
		types = connTypes(t, e, cm)
		n := map[string]int{}
		for _, ct := range types {
			n[ct]++
		}
		return n[ConnOutboundFullRelay] == 1 && n[ConnBlockRelayOnly] == 2
	})
	var blockRelay []netip.AddrPort
	for addr, ct := range types {
		r, v := remotes[addr], versions[addr]
		switch ct {
		case ConnOutboundFullRelay:
			if !v.Relay {
				t.Fatalf("full-relay peer %v got relay=false", addr)
			}
			r.Expect(t, protocol.CmdGetAddr, wait)
		case ConnBlockRelayOnly:
			blockRelay = append(blockRelay, addr)
			if v.Relay {
				t.Fatalf("block-relay-only peer %v got relay=true", addr)
			}
			// Its gossip is ignored: a ping behind it comes back, and the
			// book took nothing in.
			r.Send(&protocol.MsgAddr{AddrList: []protocol.NetAddress{{Timestamp: uint32(time.Now().Unix()),
				Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("127.0.0.99"), Port: 18444}}})
			r.Send(&protocol.MsgPing{Nonce: 7})
			r.Expect(t, protocol.CmdPong, wait)
		}
	}
	for _, addr := range blockRelay {
		remotes[addr].ExpectNone(t, protocol.CmdGetAddr, 300*time.Millisecond)
		for _, m := range remotes[addr].Received() {
			switch m.(type) {
			case *protocol.MsgGetAddr, *protocol.MsgAddr, *protocol.MsgAddrV2:
				t.Fatalf("block-relay-only peer %v received %s", addr, m.Command())
			}
		}
	}
	p := actortest.NewProbe(t, e.system)
	e.system.Root.Send(e.book, &addrbook.GetAddrs{ReplyTo: p.PID()})
	if got := actortest.Expect[*addrbook.Addrs](t, p, wait); got.Processed != 0 {
		t.Fatalf("the book processed %d gossiped addresses from block-relay-only peers", got.Processed)
	}

	// A clean stop writes the anchors.
	stopAndWait(t, e.system, cm)
	for _, r := range remotes {
		r.ExpectClosed(t, wait)
	}
	if _, err := os.Stat(anchorsFile); err != nil {
		t.Fatalf("no anchors file after a clean stop: %v", err)
	}

	// The next start dials the anchors first, as block-relay-only.
	cm = e.spawnConnMgr(t, 1, 2, anchorsFile, nil)
	for _, l := range ls {
		r := l.Accept(t, wait)
		r.Handshake(t, nil)
	}
	actortest.Eventually(t, wait, "the anchors block-relay-only again", func() bool {
		types = connTypes(t, e, cm)
		return len(types) == 3 && types[blockRelay[0]] == ConnBlockRelayOnly && types[blockRelay[1]] == ConnBlockRelayOnly
	})
	if _, err := os.Stat(anchorsFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("anchors file left after start: %v", err)
	}
}

// TestEndToEndStaleTipExtraPeer: with both full-relay slots filled, the
// chain's stale-tip verdict makes connmgr dial a third full-relay peer;
// the two first peers announce blocks; once the extra peer has been
// connected MinimumConnectTime, the next extra-peer check closes it (it
// never announced one) and no other is dialled.
func TestEndToEndStaleTipExtraPeer(t *testing.T) {
	e := newEndToEnd(t)
	ls := e.listeners(t, 2, 4)
	clock := &fakeClock{}
	cm := e.spawnConnMgr(t, 2, 0, "", clock.now)

	var first []*actortest.Remote
	for range 2 {
		r := acceptAny(t, ls, wait)
		if r == nil {
			t.Fatal("no full-relay connection")
		}
		r.Handshake(t, nil)
		first = append(first, r)
	}
	actortest.Eventually(t, wait, "two full-relay peers", func() bool { return len(connTypes(t, e, cm)) == 2 })
	peers := peerIDs(t, e, cm)
	for _, id := range peers {
		e.system.Root.Send(cm, &BlockAnnounced{ID: id, At: clock.now()})
	}

	e.system.Root.Send(cm, &TryNewOutbound{Stale: true})
	extra := acceptAny(t, ls, wait)
	if extra == nil {
		t.Fatal("no extra peer dialled on a stale tip")
	}
	extra.Handshake(t, nil)
	actortest.Eventually(t, wait, "three full-relay peers", func() bool {
		n := 0
		for _, ct := range connTypes(t, e, cm) {
			if ct == ConnOutboundFullRelay {
				n++
			}
		}
		return n == 3
	})

	clock.advance(machine.ExtraPeerCheckInterval + machine.MinimumConnectTime + time.Second)
	extra.ExpectClosed(t, wait)
	for _, r := range first {
		if closed, _ := r.Closed(); closed {
			t.Fatal("a peer that announced blocks was evicted")
		}
	}
	// The flag is cleared: a later check dials no fourth peer.
	clock.advance(machine.ExtraPeerCheckInterval + time.Second)
	actortest.Eventually(t, wait, "two full-relay peers", func() bool { return len(connTypes(t, e, cm)) == 2 })
	if r := acceptAny(t, ls, time.Second); r != nil {
		t.Fatalf("another peer dialled after the extra one was evicted: %v", r.LocalAddr())
	}
}

// acceptAny returns the next connection any of ls accepts, nil if none
// comes within d.
func acceptAny(t *testing.T, ls []*actortest.RemoteListener, d time.Duration) *actortest.Remote {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, l := range ls {
			if r := l.Accept(quietTB{t}, 20*time.Millisecond); r != nil {
				return r
			}
		}
	}
	return nil
}

// quietTB is a TB whose Fatalf only makes Accept give up, returning nil.
type quietTB struct{ *testing.T }

func (quietTB) Fatalf(string, ...any) {}

// peerIDs lists connmgr's peer ids.
func peerIDs(t *testing.T, e *endToEnd, cm *actor.PID) []uint64 {
	t.Helper()
	p := actortest.NewProbe(t, e.system)
	defer p.Stop()
	e.system.Root.Send(cm, &GetPeers{ReplyTo: p.PID()})
	var ids []uint64
	for _, row := range actortest.Expect[*Peers](t, p, wait).List {
		ids = append(ids, row.ID)
	}
	return ids
}
