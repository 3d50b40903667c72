package actortest_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// regtestMagic is regtest's message start.
const regtestMagic uint32 = 0xDAB5BFFA

const wait = 2 * time.Second

var (
	hostA = netip.MustParseAddr("127.0.0.1")
	hostB = netip.MustParseAddr("127.0.0.2")
)

// echoNode is a minimal node: it listens through its io, attaches itself
// to every connection it accepts and sends every frame back, inside the
// acknowledgement of the Received that carried it.
type echoNode struct {
	io        *actor.PID
	addr      netip.AddrPort
	listening chan<- *transport.Listening
}

func (e *echoNode) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Send(e.io, &transport.Listen{Addr: e.addr, Owner: ctx.Self()})
	case *transport.Listening:
		e.listening <- msg
	case *transport.Accepted:
		ctx.Send(e.io, &transport.Attach{Conn: msg.Conn, Peer: ctx.Self()})
	case *transport.Received:
		var out []byte
		for _, f := range msg.Frames {
			out = protocol.AppendRawFrame(out, regtestMagic, f.Command, f.Payload)
		}
		ctx.Send(e.io, &transport.Send{Conn: msg.Conn, Data: out, Ack: msg})
	}
}

// startEchoNode spawns an io replacement for host and an echo node on it,
// listening on host:port, and returns the io and the bound address.
func startEchoNode(t *testing.T, system *actor.ActorSystem, net *actortest.Network, addr netip.AddrPort) (*actor.PID, netip.AddrPort) {
	t.Helper()
	ioPID := system.Root.Spawn(net.Props(addr.Addr()))
	listening := make(chan *transport.Listening, 1)
	system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &echoNode{io: ioPID, addr: addr, listening: listening}
	}))
	select {
	case l := <-listening:
		if l.Err != nil {
			t.Fatalf("listen: %v", l.Err)
		}
		return ioPID, l.Addr
	case <-time.After(wait):
		t.Fatal("echo node: no Listening")
	}
	return nil, netip.AddrPort{}
}

// dial dials to from io with owner as the owner and returns the answer.
func dial(t *testing.T, system *actor.ActorSystem, ioPID *actor.PID, owner *actortest.Probe, to netip.AddrPort) *transport.Dialed {
	t.Helper()
	system.Root.Send(ioPID, &transport.Dial{Tag: 9, Addr: to, Owner: owner.PID()})
	d := actortest.Expect[*transport.Dialed](t, owner, wait)
	if d.Tag != 9 || d.Addr != to {
		t.Fatalf("Dialed %+v does not answer the Dial", d)
	}
	return d
}

func pingFrame(nonce uint64) []byte {
	return protocol.AppendFrame(nil, regtestMagic, &protocol.MsgPing{Nonce: nonce}, protocol.ProtocolVersion)
}

func nonceOf(t *testing.T, f transport.Frame) uint64 {
	t.Helper()
	if f.Command != protocol.CmdPing || len(f.Payload) != 8 {
		t.Fatalf("frame %q of %d bytes, want an 8-byte ping", f.Command, len(f.Payload))
	}
	return binary.LittleEndian.Uint64(f.Payload)
}

// expectPings collects Received on p until n frames arrived, acknowledging
// each, and returns the nonces of the pings they carry.
func expectPings(t *testing.T, system *actor.ActorSystem, ioPID *actor.PID, p *actortest.Probe, n int) []uint64 {
	t.Helper()
	var nonces []uint64
	for len(nonces) < n {
		rcv := actortest.Expect[*transport.Received](t, p, wait)
		for _, f := range rcv.Frames {
			nonces = append(nonces, nonceOf(t, f))
		}
		system.Root.Send(ioPID, &transport.Send{Conn: rcv.Conn, Ack: rcv})
	}
	return nonces
}

func assertNoViolations(t *testing.T, net *actortest.Network) {
	t.Helper()
	for _, err := range net.Violations() {
		t.Errorf("violation: %v", err)
	}
}

// TestNetworkEchoBetweenNodes runs two nodes in two actor systems: a
// client's frames reach the echo node and come back.
func TestNetworkEchoBetweenNodes(t *testing.T) {
	systemA, systemB := newSystem(t), newSystem(t)
	net := actortest.NewNetwork(regtestMagic)
	_, addrA := startEchoNode(t, systemA, net, netip.AddrPortFrom(hostA, 8333))
	if addrA != netip.AddrPortFrom(hostA, 8333) {
		t.Fatalf("bound %v", addrA)
	}
	ioB := systemB.Root.Spawn(net.Props(hostB))
	p := actortest.NewProbe(t, systemB)

	d := dial(t, systemB, ioB, p, addrA)
	if d.Err != nil || d.Local.Addr() != hostB {
		t.Fatalf("Dialed %+v", d)
	}
	systemB.Root.Send(ioB, &transport.Attach{Conn: d.Conn, Peer: p.PID()})
	systemB.Root.Send(ioB, &transport.Send{Conn: d.Conn, Data: append(pingFrame(1), pingFrame(2)...)})
	systemB.Root.Send(ioB, &transport.Send{Conn: d.Conn, Data: pingFrame(3)})

	got := expectPings(t, systemB, ioB, p, 3)
	if got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("echoed nonces %v, want [1 2 3]", got)
	}

	conns := net.Conns()
	if len(conns) != 2 {
		t.Fatalf("%d connection ends, want 2: %+v", len(conns), conns)
	}
	out, in := conns[0], conns[1]
	if out.Inbound || !in.Inbound || out.Other != in.Conn || out.Local != in.Remote || out.Remote != addrA {
		t.Fatalf("ends do not match: %+v", conns)
	}
	if out.BytesOut != 3*32 || in.BytesIn != 3*32 {
		t.Fatalf("byte counts: out %+v, in %+v", out, in)
	}
	assertNoViolations(t, net)
}

func TestNetworkHoldsBytesUntilAttach(t *testing.T) {
	system := newSystem(t)
	net := actortest.NewNetwork(regtestMagic)
	ioA := system.Root.Spawn(net.Props(hostA))
	ioB := system.Root.Spawn(net.Props(hostB))
	owner, peer, client := actortest.NewProbe(t, system), actortest.NewProbe(t, system), actortest.NewProbe(t, system)

	system.Root.Send(ioA, &transport.Listen{Addr: netip.AddrPortFrom(netip.IPv4Unspecified(), 0), Owner: owner.PID()})
	l := actortest.Expect[*transport.Listening](t, owner, wait)
	if l.Err != nil || l.Addr.Addr() != hostA || l.Addr.Port() == 0 {
		t.Fatalf("Listening %+v", l)
	}
	d := dial(t, system, ioB, client, l.Addr)
	acc := actortest.Expect[*transport.Accepted](t, owner, wait)
	if acc.Remote != d.Local || acc.Local != l.Addr {
		t.Fatalf("Accepted %+v does not match Dialed %+v", acc, d)
	}

	// Two frames, the second cut in the middle, before the accepting side
	// attaches.
	second := pingFrame(2)
	system.Root.Send(ioB, &transport.Send{Conn: d.Conn, Data: append(pingFrame(1), second[:10]...)})
	system.Root.Send(ioB, &transport.Send{Conn: d.Conn, Data: second[10:]})
	waitFor(t, func() bool {
		c := connInfo(net, acc.Conn)
		return c.Held == 64
	})
	actortest.ExpectNone[*transport.Received](t, peer, 20*time.Millisecond)

	system.Root.Send(ioA, &transport.Attach{Conn: acc.Conn, Peer: peer.PID()})
	rcv := actortest.Expect[*transport.Received](t, peer, wait)
	if len(rcv.Frames) != 2 || nonceOf(t, rcv.Frames[0]) != 1 || nonceOf(t, rcv.Frames[1]) != 2 || rcv.Size != 64 {
		t.Fatalf("Received %+v, want pings 1 and 2 in one batch of 64 bytes", rcv)
	}
	if c := connInfo(net, acc.Conn); c.Unacked != 1 || c.Held != 0 {
		t.Fatalf("before the ack: %+v", c)
	}
	payload := rcv.Frames[0].Payload
	system.Root.Send(ioA, &transport.Send{Conn: acc.Conn, Ack: rcv})
	// A round trip through io orders the ack before what follows.
	system.Root.Send(ioA, &transport.GetStats{ReplyTo: peer.PID()})
	stats := actortest.Expect[*transport.Stats](t, peer, wait)
	if stats.Conns != 1 || stats.Listeners != 1 || stats.BytesRead != 64 {
		t.Fatalf("Stats %+v", stats)
	}
	if c := connInfo(net, acc.Conn); c.Unacked != 0 {
		t.Fatalf("after the ack: %+v", c)
	}
	for _, b := range payload {
		if b != 0xA5 {
			t.Fatalf("payload %x not overwritten after the ack", payload)
		}
	}

	// A second ack of the same Received breaks the contract.
	system.Root.Send(ioA, &transport.Send{Conn: acc.Conn, Ack: rcv})
	waitFor(t, func() bool { return len(net.Violations()) == 1 })
}

func TestNetworkCloseReachesBothEnds(t *testing.T) {
	system := newSystem(t)
	net := actortest.NewNetwork(regtestMagic)
	c := connect(t, system, net)

	// What B sends before closing still arrives, then the close.
	reason := errors.New("misbehaving")
	system.Root.Send(c.ioB, &transport.Send{Conn: c.connB, Data: pingFrame(1)})
	system.Root.Send(c.ioB, &transport.Close{Conn: c.connB, Reason: reason})

	if got := expectPings(t, system, c.ioA, c.peerA, 1); got[0] != 1 {
		t.Fatalf("got ping %d", got[0])
	}
	for _, p := range []*actortest.Probe{c.peerA, c.ownerA} {
		cl := actortest.Expect[*transport.Closed](t, p, wait)
		if cl.Conn != c.connA || !errors.Is(cl.Reason, io.EOF) || !strings.Contains(cl.Reason.Error(), "misbehaving") {
			t.Errorf("far end: Closed %+v, want conn %d and an EOF naming the reason", cl, c.connA)
		}
	}
	for _, p := range []*actortest.Probe{c.peerB, c.ownerB} {
		cl := actortest.Expect[*transport.Closed](t, p, wait)
		if cl.Conn != c.connB || !errors.Is(cl.Reason, reason) {
			t.Errorf("near end: Closed %+v, want conn %d and the reason", cl, c.connB)
		}
	}
	if conns := net.Conns(); len(conns) != 0 {
		t.Fatalf("connections left: %+v", conns)
	}

	// Attaching to the ended connection is dropped and counted, as io does
	// (its owner has had the Closed); the Stats answer comes after anything
	// io posted before it.
	late := actortest.NewProbe(t, system)
	system.Root.Send(c.ioA, &transport.Attach{Conn: c.connA, Peer: late.PID()})
	system.Root.Send(c.ioA, &transport.GetStats{ReplyTo: late.PID()})
	if s := actortest.Expect[*transport.Stats](t, late, wait); s.Stale == 0 {
		t.Fatal("late attach: not counted in Stale")
	}
	if pending := late.Pending(); len(pending) != 0 {
		t.Fatalf("late attach: the peer was told %v", pending)
	}
	assertNoViolations(t, net)
}

func TestNetworkFramingErrorsClose(t *testing.T) {
	tests := []struct {
		name string
		bad  []byte
		want error
	}{
		{
			name: "wrong magic",
			bad:  protocol.AppendFrame(nil, 0xD9B4BEF9, &protocol.MsgPing{Nonce: 2}, protocol.ProtocolVersion),
			want: protocol.ErrBadMagic,
		},
		{
			name: "oversized length",
			bad: func() []byte {
				f := pingFrame(2)
				binary.LittleEndian.PutUint32(f[16:20], protocol.MaxPayloadSize+1)
				return f
			}(),
			want: protocol.ErrPayloadTooLarge,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			system := newSystem(t)
			net := actortest.NewNetwork(regtestMagic)
			c := connect(t, system, net)
			// A good frame, then the bad header: the good one is delivered,
			// then the connection closes.
			system.Root.Send(c.ioB, &transport.Send{Conn: c.connB, Data: append(pingFrame(1), tc.bad...)})
			if got := expectPings(t, system, c.ioA, c.peerA, 1); got[0] != 1 {
				t.Fatalf("got %v", got)
			}
			for _, p := range []*actortest.Probe{c.peerA, c.ownerA} {
				if cl := actortest.Expect[*transport.Closed](t, p, wait); !errors.Is(cl.Reason, tc.want) {
					t.Errorf("reading end: Closed %v, want %v", cl.Reason, tc.want)
				}
			}
			for _, p := range []*actortest.Probe{c.peerB, c.ownerB} {
				cl := actortest.Expect[*transport.Closed](t, p, wait)
				if !errors.Is(cl.Reason, syscall.ECONNRESET) || !strings.Contains(cl.Reason.Error(), tc.want.Error()) {
					t.Errorf("sending end: Closed %v, want a reset naming %v", cl.Reason, tc.want)
				}
			}
			if conns := net.Conns(); len(conns) != 0 {
				t.Fatalf("connections left: %+v", conns)
			}
		})
	}
}

// conn is one connection between two nodes' io replacements, with a probe
// as owner and one as peer on each side; A accepted, B dialed.
type conn struct {
	ioA, ioB      *actor.PID
	ownerA, peerA *actortest.Probe
	ownerB, peerB *actortest.Probe
	connA, connB  transport.ConnID
	addrA, addrB  netip.AddrPort
}

func connect(t *testing.T, system *actor.ActorSystem, net *actortest.Network) conn {
	t.Helper()
	c := conn{
		ioA:    system.Root.Spawn(net.Props(hostA)),
		ioB:    system.Root.Spawn(net.Props(hostB)),
		ownerA: actortest.NewProbe(t, system),
		peerA:  actortest.NewProbe(t, system),
		ownerB: actortest.NewProbe(t, system),
		peerB:  actortest.NewProbe(t, system),
	}
	system.Root.Send(c.ioA, &transport.Listen{Addr: netip.AddrPortFrom(hostA, 8333), Owner: c.ownerA.PID()})
	if l := actortest.Expect[*transport.Listening](t, c.ownerA, wait); l.Err != nil {
		t.Fatalf("listen: %v", l.Err)
	}
	d := dial(t, system, c.ioB, c.ownerB, netip.AddrPortFrom(hostA, 8333))
	acc := actortest.Expect[*transport.Accepted](t, c.ownerA, wait)
	c.connA, c.connB, c.addrA, c.addrB = acc.Conn, d.Conn, acc.Local, d.Local
	system.Root.Send(c.ioA, &transport.Attach{Conn: c.connA, Peer: c.peerA.PID()})
	system.Root.Send(c.ioB, &transport.Attach{Conn: c.connB, Peer: c.peerB.PID()})
	return c
}

func TestNetworkDialAndListenErrors(t *testing.T) {
	system := newSystem(t)
	net := actortest.NewNetwork(regtestMagic)
	ioA := system.Root.Spawn(net.Props(hostA))
	p := actortest.NewProbe(t, system)

	d := dial(t, system, ioA, p, netip.AddrPortFrom(hostB, 8333))
	if !errors.Is(d.Err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to nobody: %v, want connection refused", d.Err)
	}

	system.Root.Send(ioA, &transport.Listen{Addr: netip.AddrPortFrom(hostA, 8333), Owner: p.PID()})
	if l := actortest.Expect[*transport.Listening](t, p, wait); l.Err != nil {
		t.Fatalf("listen: %v", l.Err)
	}
	system.Root.Send(ioA, &transport.Listen{Addr: netip.AddrPortFrom(hostA, 8333), Owner: p.PID()})
	if l := actortest.Expect[*transport.Listening](t, p, wait); !errors.Is(l.Err, syscall.EADDRINUSE) {
		t.Fatalf("second listen: %v, want address in use", l.Err)
	}
	system.Root.Send(ioA, &transport.Listen{Addr: netip.AddrPortFrom(hostB, 8333), Owner: p.PID()})
	if l := actortest.Expect[*transport.Listening](t, p, wait); !errors.Is(l.Err, syscall.EADDRNOTAVAIL) {
		t.Fatalf("listen on another host: %v, want address not available", l.Err)
	}
	if got := net.Listeners(); len(got) != 1 || got[0] != netip.AddrPortFrom(hostA, 8333) {
		t.Fatalf("Listeners %v", got)
	}

	system.Root.Send(ioA, &inspect.Describe{ReplyTo: p.PID()})
	if desc := actortest.Expect[*inspect.Description](t, p, wait); desc.Kind != "io" || !desc.Self.Equal(ioA) {
		t.Fatalf("Description %+v", desc)
	}
}

func TestNetworkStopAndDrop(t *testing.T) {
	system := newSystem(t)
	net := actortest.NewNetwork(regtestMagic)
	ioA := system.Root.Spawn(net.Props(hostA))
	ioB := system.Root.Spawn(net.Props(hostB))
	ownerA, ownerB := actortest.NewProbe(t, system), actortest.NewProbe(t, system)
	system.Root.Send(ioA, &transport.Listen{Addr: netip.AddrPortFrom(hostA, 8333), Owner: ownerA.PID()})
	actortest.Expect[*transport.Listening](t, ownerA, wait)

	// Drop resets both ends.
	d := dial(t, system, ioB, ownerB, netip.AddrPortFrom(hostA, 8333))
	acc := actortest.Expect[*transport.Accepted](t, ownerA, wait)
	if !net.Drop(acc.Conn) {
		t.Fatal("Drop: not open")
	}
	for _, p := range []*actortest.Probe{ownerA, ownerB} {
		if c := actortest.Expect[*transport.Closed](t, p, wait); !errors.Is(c.Reason, syscall.ECONNRESET) {
			t.Fatalf("after Drop: %+v", c)
		}
	}
	if net.Drop(d.Conn) {
		t.Fatal("Drop of a closed connection reported open")
	}

	// Stopping a node's io ends its connections and listeners.
	d = dial(t, system, ioB, ownerB, netip.AddrPortFrom(hostA, 8333))
	actortest.Expect[*transport.Accepted](t, ownerA, wait)
	system.Root.Stop(ioA)
	if c := actortest.Expect[*transport.Closed](t, ownerA, wait); !errors.Is(c.Reason, transport.ErrStopped) {
		t.Fatalf("stopped end: %+v", c)
	}
	if c := actortest.Expect[*transport.Closed](t, ownerB, wait); c.Conn != d.Conn || !errors.Is(c.Reason, io.EOF) {
		t.Fatalf("far end: %+v", c)
	}
	if d := dial(t, system, ioB, ownerB, netip.AddrPortFrom(hostA, 8333)); !errors.Is(d.Err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after the listener's io stopped: %+v", d)
	}
}

// connInfo returns the ConnInfo of conn, or the zero value.
func connInfo(net *actortest.Network, conn transport.ConnID) actortest.ConnInfo {
	for _, c := range net.Conns() {
		if c.Conn == conn {
			return c
		}
	}
	return actortest.ConnInfo{}
}

// waitFor waits until cond holds, failing the test after a few seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	actortest.Eventually(t, wait, "the condition", cond)
}

// TestNetworkReceiveLimit: input beyond transport.DefaultRecvLimit of
// unacknowledged bytes is held until the peer acknowledges.
func TestNetworkReceiveLimit(t *testing.T) {
	system := newSystem(t)
	net := actortest.NewNetwork(regtestMagic)
	c := connect(t, system, net)
	big := make([]byte, 3_000_000)
	for range 3 {
		system.Root.Send(c.ioB, &transport.Send{Conn: c.connB, Data: protocol.AppendRawFrame(nil, regtestMagic, protocol.CmdTx, big)})
	}
	first := actortest.Expect[*transport.Received](t, c.peerA, wait)
	actortest.Expect[*transport.Received](t, c.peerA, wait)
	waitFor(t, func() bool { return connInfo(net, c.connA).Held == len(big)+protocol.HeaderSize })
	actortest.ExpectNone[*transport.Received](t, c.peerA, 20*time.Millisecond)

	system.Root.Send(c.ioA, &transport.Send{Conn: c.connA, Ack: first})
	third := actortest.Expect[*transport.Received](t, c.peerA, wait)
	if len(third.Frames) != 1 || len(third.Frames[0].Payload) != len(big) {
		t.Fatalf("third batch: %d frames", len(third.Frames))
	}
	assertNoViolations(t, net)
}
