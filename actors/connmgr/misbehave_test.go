package connmgr

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/transport"
)

// acceptPeers plays io announcing inbound connections 1, 2, ... from
// remotes and returns the peers connmgr spawned for them, by connection.
func (r *rig) acceptPeers(remotes ...string) map[transport.ConnID]*spawnedPeer {
	r.t.Helper()
	for i, remote := range remotes {
		r.accept(transport.ConnID(i+1), remote)
	}
	out := map[transport.ConnID]*spawnedPeer{}
	for range remotes {
		sp := actortest.Expect[*spawnedPeer](r.t, r.peers, wait)
		out[sp.cfg.Conn] = sp
		actortest.Expect[*transport.Attach](r.t, r.io, wait)
	}
	return out
}

// expectCloses waits for io to be asked to close exactly conns (in any
// order), each for reason.
func (r *rig) expectCloses(reason error, conns ...transport.ConnID) {
	r.t.Helper()
	var got []transport.ConnID
	for range conns {
		c := actortest.Expect[*transport.Close](r.t, r.io, wait)
		if !errors.Is(c.Reason, reason) {
			r.t.Fatalf("close of c%d for %v, want %v", c.Conn, c.Reason, reason)
		}
		got = append(got, c.Conn)
	}
	slices.Sort(got)
	if !slices.Equal(got, conns) {
		r.t.Fatalf("closed %v, want %v", got, conns)
	}
}

// expectDiscouraged waits for the address book to be told addr is
// discouraged.
func (r *rig) expectDiscouraged(addr string) *addrbook.BanFilter {
	r.t.Helper()
	a := netip.MustParseAddr(addr)
	return actortest.ExpectMatch(r.t, r.book, wait, func(f *addrbook.BanFilter) bool {
		return slices.Contains(f.Discouraged, a)
	})
}

// A peer that reports misbehaviour (Core's Misbehaving) gets its address
// discouraged: every connection from it is closed, the address book hears
// of it, and, as in Core, listbanned does not list it.
func TestPeerMisbehaviourDiscouragesItsAddress(t *testing.T) {
	r := newRig(t, Config{})
	defer r.parent.Stop()
	peers := r.acceptPeers("5.5.5.5:1", "5.5.5.5:2", "6.6.6.6:1")
	r.system.Root.Send(peers[1].pid, &fakeMisbehave{})
	r.expectCloses(ReasonMisbehaved, 1, 2)
	f := r.expectDiscouraged("5.5.5.5")
	if len(f.Bans) != 0 || len(f.Discouraged) != 1 {
		t.Fatalf("filter %+v, want 5.5.5.5 discouraged and no ban", f)
	}
	actortest.ExpectNone[*transport.Close](t, r.io, 0)

	p := actortest.NewProbe(t, r.system)
	r.send(&ListBans{ReplyTo: p.PID()})
	if bans := actortest.Expect[*Bans](t, p, wait); len(bans.List) != 0 {
		t.Fatalf("listbanned %v: Core lists no discouraged address", bans.List)
	}
}

// The report reaches connmgr even when the peer stops right after it: the
// peer's termination, a system message, may be handled first, and the
// address is discouraged all the same.
func TestMisbehaviourCountsWhenThePeerStopsAtOnce(t *testing.T) {
	r := newRig(t, Config{})
	defer r.parent.Stop()
	peers := r.acceptPeers("5.5.5.5:1", "5.5.5.5:2")
	r.system.Root.Send(peers[1].pid, &fakeMisbehave{stop: true})
	r.expectDiscouraged("5.5.5.5")
	// The other connection from the address is closed for misbehaviour;
	// the peer's own is closed either for that or because it stopped.
	var sawOther bool
	for range 2 {
		c := actortest.Expect[*transport.Close](t, r.io, wait)
		switch {
		case c.Conn == 2 && errors.Is(c.Reason, ReasonMisbehaved):
			sawOther = true
		case c.Conn == 1 && (errors.Is(c.Reason, ReasonMisbehaved) || errors.Is(c.Reason, ReasonPeerStopped)):
		default:
			t.Fatalf("unexpected close %+v", c)
		}
	}
	if !sawOther {
		t.Fatal("the other connection from the address was not closed")
	}
}

// A manual peer is never punished (Core's "Not punishing manually
// connected peer"); a loopback one is closed but its address, which every
// local peer shares, not discouraged.
func TestMisbehaviourOfManualAndLocalPeers(t *testing.T) {
	r := newRig(t, Config{AddNode: []string{"7.7.7.7:8333"}})
	defer r.parent.Stop()
	d := r.expectDial()
	r.send(&transport.Dialed{Tag: d.Tag, Conn: 10, Local: netip.MustParseAddrPort("192.168.0.2:40000")})
	manual := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	actortest.Expect[*transport.Attach](t, r.io, wait)
	r.accept(11, "127.0.0.5:1")
	local := actortest.Expect[*spawnedPeer](t, r.peers, wait)
	actortest.Expect[*transport.Attach](t, r.io, wait)

	r.system.Root.Send(manual.pid, &fakeMisbehave{})
	r.system.Root.Send(local.pid, &fakeMisbehave{})
	r.expectCloses(ReasonMisbehaved, 11)
	actortest.Eventually(t, wait, "a warning for the manual peer", func() bool {
		return r.logs.FilterMessage("not punishing manually connected peer").Len() == 1
	})
	r.waitPeers(2) // nothing else closed: io was asked only to close 11
	actortest.ExpectNone[*transport.Close](t, r.io, 0)
	actortest.ExpectNone[*addrbook.BanFilter](t, r.book, 0)
}
