package connmgr

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
	"github.com/asynkron/protoactor-go/actor"
)

// TestInboundBeyondMaxEvicts: with the inbound slots full of enough peers
// for some to be unprotected, a new inbound connection evicts the youngest
// peer of the most crowded network group, as Core's
// AttemptToEvictConnection does, and is admitted.
func TestInboundBeyondMaxEvicts(t *testing.T) {
	r := newRig(t, Config{MaxConnections: 42, MaxOutbound: 1}) // 40 inbound slots
	conn := transport.ConnID(100)
	var crowded []transport.ConnID
	for i := range 30 {
		r.accept(conn, fmt.Sprintf("8.8.%d.1:50000", i))
		crowded = append(crowded, conn)
		conn++
		actortest.Expect[*transport.Attach](t, r.io, wait)
	}
	for i := range 10 {
		r.accept(conn, fmt.Sprintf("%d.9.9.9:50000", 20+i))
		conn++
		actortest.Expect[*transport.Attach](t, r.io, wait)
	}
	r.waitPeers(40)
	r.accept(conn, "7.7.7.7:50000")
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	if !errors.Is(cl.Reason, ReasonEvicted) || cl.Conn != crowded[len(crowded)-1] {
		t.Fatalf("close %+v, want the youngest of 8.8.0.0/16 (conn %d) evicted", cl, crowded[len(crowded)-1])
	}
	if at := actortest.Expect[*transport.Attach](t, r.io, wait); at.Conn != conn {
		t.Fatalf("attach %+v, want the new conn %d", at, conn)
	}
	// The evicted peer leaves when io reports its connection closed.
	r.send(&transport.Closed{Conn: cl.Conn, Reason: cl.Reason})
	r.waitPeers(40)
}

// TestHalfOpenLimitedPerSourceGroup: at most MaxHandshakingPerGroup
// inbound connections of one /24 may be in their handshake; a finished
// handshake or a closed connection makes room again; other groups are not
// affected.
func TestHalfOpenLimitedPerSourceGroup(t *testing.T) {
	r := newRig(t, Config{MaxConnections: 100, MaxOutbound: 1, MaxHandshakingPerGroup: 3})
	for i := range 4 {
		r.accept(transport.ConnID(10+i), fmt.Sprintf("8.8.8.%d:50000", i+1))
	}
	var pids []*spawnedPeer
	for range 3 {
		actortest.Expect[*transport.Attach](t, r.io, wait)
		pids = append(pids, actortest.Expect[*spawnedPeer](t, r.peers, wait))
	}
	cl := actortest.Expect[*transport.Close](t, r.io, wait)
	if cl.Conn != 13 || !errors.Is(cl.Reason, ReasonHandshakeLimit) {
		t.Fatalf("close %+v, want conn 13 for %v", cl, ReasonHandshakeLimit)
	}
	// Another /24 is admitted.
	r.accept(20, "8.8.9.1:50000")
	actortest.Expect[*transport.Attach](t, r.io, wait)
	actortest.Expect[*spawnedPeer](t, r.peers, wait)

	// One handshake done: room for one more from 8.8.8.0/24.
	r.system.Root.Send(pids[0].pid, &fakeHandshake{})
	waitHandshaken(t, r, pids[0].cfg.ID)
	r.accept(21, "8.8.8.200:50000")
	if at := actortest.Expect[*transport.Attach](t, r.io, wait); at.Conn != 21 {
		t.Fatalf("attach %+v, want conn 21", at)
	}
	actortest.Expect[*spawnedPeer](t, r.peers, wait)
	r.accept(22, "8.8.8.201:50000")
	if cl := actortest.Expect[*transport.Close](t, r.io, wait); cl.Conn != 22 || !errors.Is(cl.Reason, ReasonHandshakeLimit) {
		t.Fatalf("close %+v, want conn 22 refused", cl)
	}
	// A half-open connection closed (handshake timeout): room again.
	r.send(&transport.Closed{Conn: pids[1].cfg.Conn, Reason: peer.Reason(1)})
	r.waitPeers(4)
	r.accept(23, "8.8.8.202:50000")
	if at := actortest.Expect[*transport.Attach](t, r.io, wait); at.Conn != 23 {
		t.Fatalf("attach %+v, want conn 23", at)
	}
}

func waitHandshaken(t *testing.T, r *rig, id uint64) {
	t.Helper()
	actortest.Eventually(t, wait, fmt.Sprintf("peer %d handshaken", id), func() bool {
		return slices.ContainsFunc(r.peersNow(), func(p PeerEntry) bool { return p.ID == id && p.Handshaken })
	})
}

// TestMisbehavedPeerClosedAndDiscouraged: a *Misbehaved peer is closed with
// every other connection from its address, which is then refused while
// the inbound slots are nearly full.
func TestMisbehavedPeerClosedAndDiscouraged(t *testing.T) {
	r := newRig(t, Config{MaxConnections: 5, MaxOutbound: 1}) // 3 inbound slots
	r.accept(1, "5.5.5.5:50000")
	r.accept(2, "5.5.5.5:50001")
	r.accept(3, "8.8.8.8:50000")
	for range 3 {
		actortest.Expect[*transport.Attach](t, r.io, wait)
		actortest.Expect[*spawnedPeer](t, r.peers, wait)
	}
	// Peers start in any order: find the one on connection 1 by its entry.
	var id uint64
	for _, p := range r.waitPeers(3) {
		if p.Conn == 1 {
			id = p.ID
		}
	}
	r.send(&Misbehaved{ID: id})
	closed := map[transport.ConnID]bool{}
	for range 2 {
		cl := actortest.Expect[*transport.Close](t, r.io, wait)
		if !errors.Is(cl.Reason, ReasonMisbehaved) {
			t.Fatalf("close %+v, want %v", cl, ReasonMisbehaved)
		}
		closed[cl.Conn] = true
	}
	if !closed[1] || !closed[2] {
		t.Fatalf("closed %v, want both connections from 5.5.5.5", closed)
	}
	r.send(&transport.Closed{Conn: 1, Reason: ReasonMisbehaved})
	r.send(&transport.Closed{Conn: 2, Reason: ReasonMisbehaved})
	r.accept(4, "6.6.6.6:50000")
	actortest.Expect[*transport.Attach](t, r.io, wait)
	r.waitPeers(2)
	// One slot left: the discouraged address is refused.
	r.accept(5, "5.5.5.5:50002")
	if cl := actortest.Expect[*transport.Close](t, r.io, wait); cl.Conn != 5 || !errors.Is(cl.Reason, ReasonDiscouraged) {
		t.Fatalf("close %+v, want conn 5 refused as %v", cl, ReasonDiscouraged)
	}
}

// TestPeerWatchersHearReadyAndGone: a peer watcher gets PeerReady when a
// peer finishes its handshake and PeerGone, with the same PID, when the
// peer actor stops; a peer that stops before its handshake gives PeerGone
// alone.
func TestPeerWatchersHearReadyAndGone(t *testing.T) {
	var w *actortest.Probe
	r := newRig(t, Config{MaxConnections: 10}, func(r *rig, cfg *Config) {
		w = actortest.NewProbe(t, r.system)
		cfg.PeerWatchers = []*actor.PID{w.PID()}
	})
	r.accept(1, "198.51.100.1:5000")
	sp := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	r.system.Root.Send(sp.pid, &fakeHandshake{services: protocol.SFNodeNetwork})
	ready := actortest.Expect[*PeerReady](t, w, wait)
	if ready.ID != sp.cfg.ID || !ready.PID.Equal(sp.pid) || ready.ConnMgr == nil {
		t.Fatalf("PeerReady %+v, want peer %d at %v from connmgr", ready, sp.cfg.ID, sp.pid)
	}
	r.system.Root.Send(sp.pid, &fakeStop{})
	if gone := actortest.Expect[*PeerGone](t, w, wait); gone.ID != sp.cfg.ID || !gone.PID.Equal(sp.pid) {
		t.Fatalf("PeerGone %+v, want peer %d at %v", gone, sp.cfg.ID, sp.pid)
	}

	r.accept(2, "198.51.100.2:5000")
	sp = actortest.Expect[*spawnedPeer](t, r.peers, wait)
	r.system.Root.Send(sp.pid, &fakeStop{})
	if gone := actortest.Expect[*PeerGone](t, w, wait); gone.ID != sp.cfg.ID {
		t.Fatalf("PeerGone %+v, want peer %d", gone, sp.cfg.ID)
	}
}
