package iotest

import (
	"slices"
	"testing"

	"github.com/actornode/actornode/transport"
)

// dial dials the rig's listener and waits for the Dialed, without waiting
// for an Accepted.
func (r *rig) dial(tag uint64) *transport.Dialed {
	r.t.Helper()
	r.sys.Root.Send(r.io, &transport.Dial{Tag: tag, Addr: r.addr, Timeout: waitFor, Owner: r.owner.pid})
	d := first(r.owner, func(d *transport.Dialed) bool { return d.Tag == tag })
	if d.Err != nil {
		r.t.Fatalf("dial %v: %v", r.addr, d.Err)
	}
	return d
}

// acceptedFrom reports whether an Accepted for a connection dialed from
// local is among msgs, and its index.
func acceptedFrom(msgs []any, local transport.Dialed) (int, bool) {
	i := slices.IndexFunc(msgs, func(m any) bool {
		a, ok := m.(*transport.Accepted)
		return ok && a.Remote == local.Local
	})
	return i, i >= 0
}

// testUndecidedCap: with AcceptLimits.MaxUndecided set, io accepts nothing
// while that many accepted connections are neither attached nor closed: a
// dial beyond completes (the kernel's backlog takes it), is neither posted
// as Accepted nor closed, and its bytes wait. Deciding an undecided
// connection, attaching it or asking to close it, lets the next one in.
func testUndecidedCap(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	r.sys.Root.Send(r.io, &transport.AcceptLimits{MaxUndecided: 2})
	_, a1 := r.connect(1)
	_, a2 := r.connect(2)
	d3 := r.dial(3)
	r.send(d3.Conn, seqFrame(nil, "ping", 3, 8))
	s := r.owner.stats()
	if s.Accepted != 2 || s.Undecided != 2 || s.Inbound != 2 {
		t.Fatalf("at the cap: Accepted %d, Undecided %d, Inbound %d; want 2, 2, 2", s.Accepted, s.Undecided, s.Inbound)
	}
	if _, ok := acceptedFrom(r.owner.snapshot(), *d3); ok {
		t.Fatal("accepted beyond MaxUndecided")
	}
	// Attaching one decides it: the waiting one is accepted, its bytes
	// intact.
	r.attach(a1.Conn, newRecorder(t, r.sys, r.io, true))
	a3 := first(r.owner, func(a *transport.Accepted) bool { return a.Remote == d3.Local })

	// Full again (a2, a3 undecided): closing one lets the next in (the
	// Close request decides it; its Closed may come before or after).
	d4 := r.dial(4)
	r.send(d4.Conn, seqFrame(nil, "ping", 4, 8))
	r.owner.stats()
	if _, ok := acceptedFrom(r.owner.snapshot(), *d4); ok {
		t.Fatal("accepted beyond MaxUndecided")
	}
	r.close(a2.Conn, errTest)
	a4 := first(r.owner, func(a *transport.Accepted) bool { return a.Remote == d4.Local })
	r.owner.closedOf(a2.Conn)
	for i, a := range []*transport.Accepted{a3, a4} {
		in := newRecorder(t, r.sys, r.io, true)
		r.attach(a.Conn, in)
		checkSeq(t, in.waitFrames(a.Conn, 1), "ping", uint32(3+i), 8)
	}
	s = r.owner.stats()
	if s.Accepted != 4 || s.Undecided != 0 || s.Inbound != 3 {
		t.Fatalf("Accepted %d, Undecided %d, Inbound %d; want 4, 0, 3", s.Accepted, s.Undecided, s.Inbound)
	}
	// Nothing was dropped: neither waiting connection was closed.
	for _, m := range r.owner.snapshot() {
		if c, ok := m.(*transport.Closed); ok && (c.Conn == d3.Conn || c.Conn == d4.Conn) {
			t.Fatalf("a connection that waited for an undecided slot was closed: %v", c.Reason)
		}
	}
}

// testInboundCap: with AcceptLimits.MaxInbound set, io accepts nothing while
// that many accepted connections are open: a dial completes (the kernel's
// backlog takes it) and its bytes wait, but its Accepted comes only after a
// slot frees (after that connection's Closed) or a larger cap arrives.
// Dials are not capped.
func testInboundCap(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	r.sys.Root.Send(r.io, &transport.AcceptLimits{MaxInbound: 2})
	_, a1 := r.connect(1)
	_, a2 := r.connect(2)
	d3 := r.dial(3)
	r.send(d3.Conn, seqFrame(nil, "ping", 3, 8))
	s := r.owner.stats()
	if s.Accepted != 2 || s.Inbound != 2 || s.Dialed != 3 {
		t.Fatalf("at the cap: Accepted %d, Inbound %d, Dialed %d; want 2, 2, 3", s.Accepted, s.Inbound, s.Dialed)
	}
	if _, ok := acceptedFrom(r.owner.snapshot(), *d3); ok {
		t.Fatal("accepted beyond MaxInbound")
	}
	r.attach(a2.Conn, newRecorder(t, r.sys, r.io, true))
	r.close(a1.Conn, errTest)
	msgs := r.owner.waitUntil("the waiting connection accepted", func(msgs []any) bool {
		_, ok := acceptedFrom(msgs, *d3)
		return ok
	})
	at, _ := acceptedFrom(msgs, *d3)
	closedAt := slices.IndexFunc(msgs, func(m any) bool {
		c, ok := m.(*transport.Closed)
		return ok && c.Conn == a1.Conn
	})
	if closedAt < 0 || closedAt > at {
		t.Fatalf("Accepted of the waiting connection (message %d) before the Closed that freed its slot (%d): %s",
			at, closedAt, describe(msgs))
	}
	a3 := msgs[at].(*transport.Accepted)
	in := newRecorder(t, r.sys, r.io, true)
	r.attach(a3.Conn, in)
	checkSeq(t, in.waitFrames(a3.Conn, 1), "ping", 3, 8)

	// Full again (a2, a3); a larger cap lets the next one in.
	d4 := r.dial(4)
	r.owner.stats()
	if _, ok := acceptedFrom(r.owner.snapshot(), *d4); ok {
		t.Fatal("accepted beyond MaxInbound")
	}
	r.sys.Root.Send(r.io, &transport.AcceptLimits{MaxInbound: 3})
	first(r.owner, func(a *transport.Accepted) bool { return a.Remote == d4.Local })
	if s := r.owner.stats(); s.Inbound != 3 || s.Accepted != 4 {
		t.Fatalf("Inbound %d, Accepted %d; want 3, 4", s.Inbound, s.Accepted)
	}
}
