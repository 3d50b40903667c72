package connmgr

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/transport"
)

// TestFeelerTestsAnAddressOnceTheOutboundSlotsAreFull fills the one
// automatic slot, then checks the feeler cycle: the book is asked for a
// feeler's address, it is dialled, its handshake is reported to the book as
// a feeler's and the connection closed; only one feeler runs at a time, and
// a failed one counts against its address.
func TestFeelerTestsAnAddressOnceTheOutboundSlotsAreFull(t *testing.T) {
	r := newRig(t, Config{MaxOutbound: 1, FeelerInterval: time.Millisecond})
	c := actortest.Expect[*addrbook.Candidates](t, r.book, wait)
	if c.Feeler {
		t.Fatal("asked for a feeler while the outbound slot is free")
	}
	r.send(&addrbook.CandidatesReply{Addrs: []netip.AddrPort{netip.MustParseAddrPort("1.0.0.1:8333")}})
	full := r.expectDial()
	r.send(&transport.Dialed{Tag: full.Tag, Addr: full.Addr, Conn: 1, Local: netip.MustParseAddrPort("127.0.0.1:40000")})

	// The slot is full: the next request is a feeler's, excluding the peer.
	fc := actortest.ExpectMatch(t, r.book, wait, func(c *addrbook.Candidates) bool { return c.Feeler })
	if fc.Max != 1 || len(fc.Exclude) != 1 || fc.Exclude[0] != full.Addr {
		t.Fatalf("feeler request %+v, want one address excluding %v", fc, full.Addr)
	}
	feelerAddr := netip.MustParseAddrPort("2.0.0.1:8333")
	r.send(&addrbook.CandidatesReply{Feeler: true, Addrs: []netip.AddrPort{feelerAddr}})
	d := r.expectDial()
	if d.Addr != feelerAddr {
		t.Fatalf("dialled %v, want the feeler's %v", d.Addr, feelerAddr)
	}
	r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Conn: 2, Local: netip.MustParseAddrPort("127.0.0.1:40001")})
	actortest.ExpectMatch(t, r.peers, wait, func(sp *spawnedPeer) bool { return sp.cfg.Conn == 1 })
	sp := actortest.ExpectMatch(t, r.peers, wait, func(sp *spawnedPeer) bool { return sp.cfg.Conn == 2 })
	var feeler PeerEntry
	for _, p := range r.waitPeers(2) {
		if p.Conn == 2 {
			feeler = p
		}
	}
	if feeler.ConnType != ConnFeeler {
		t.Fatalf("the feeler's connection type is %q, want %q", feeler.ConnType, ConnFeeler)
	}
	// One feeler at a time.
	actortest.ExpectNone[*addrbook.Candidates](t, r.book, 1200*time.Millisecond)

	// Its handshake makes the address good, and the feeler is closed.
	r.system.Root.Send(sp.pid, &fakeHandshake{services: 1})
	conn := actortest.Expect[*addrbook.Connected](t, r.book, wait)
	if !conn.Feeler || conn.Addr != feelerAddr || conn.Inbound {
		t.Fatalf("book told %+v, want a feeler's handshake with %v", conn, feelerAddr)
	}
	cl := actortest.ExpectMatch(t, r.io, wait, func(cl *transport.Close) bool { return cl.Conn == 2 })
	if !errors.Is(cl.Reason, ReasonFeelerDone) {
		t.Fatalf("feeler closed for %v, want %v", cl.Reason, ReasonFeelerDone)
	}
	r.send(&transport.Closed{Conn: 2, Reason: cl.Reason})
	r.waitPeers(1)

	// The next feeler fails to connect: the book hears of the attempt.
	actortest.ExpectMatch(t, r.book, wait, func(c *addrbook.Candidates) bool { return c.Feeler })
	bad := netip.MustParseAddrPort("3.0.0.1:8333")
	r.send(&addrbook.CandidatesReply{Feeler: true, Addrs: []netip.AddrPort{bad}})
	d = r.expectDial()
	r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Err: errors.New("connection refused")})
	att := actortest.ExpectMatch(t, r.book, wait, func(a *addrbook.Attempt) bool { return a.Addr == bad })
	if att.Success {
		t.Fatal("a refused feeler was reported a success")
	}
}

func TestNoFeelersWithoutOutboundSlotsOrWhenOff(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no outbound slots": {MaxOutbound: 0, FeelerInterval: time.Millisecond},
		"feelers off":       {MaxOutbound: 1, FeelerInterval: -1},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, cfg)
			if cfg.MaxOutbound > 0 {
				actortest.Expect[*addrbook.Candidates](t, r.book, wait)
				r.send(&addrbook.CandidatesReply{Addrs: []netip.AddrPort{netip.MustParseAddrPort("1.0.0.1:8333")}})
				d := r.expectDial()
				r.send(&transport.Dialed{Tag: d.Tag, Addr: d.Addr, Conn: 1, Local: netip.MustParseAddrPort("127.0.0.1:40000")})
				r.waitPeers(1)
			}
			actortest.ExpectNone[*addrbook.Candidates](t, r.book, 1200*time.Millisecond)
		})
	}
}
