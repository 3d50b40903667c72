package actortest_test

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/protocol"
)

// remotePair connects two scripted remotes on one Network: a dials b.
func remotePair(t *testing.T, system *actor.ActorSystem) (a, b *actortest.Remote, n *actortest.Network) {
	t.Helper()
	n = actortest.NewNetwork(regtestMagic)
	l := actortest.ListenRemote(t, system, n, netip.AddrPortFrom(hostA, 0))
	a = actortest.DialRemote(t, system, n, netip.AddrPortFrom(hostB, 40000), l.Addr())
	b = l.Accept(t, wait)
	if a.LocalAddr() != b.RemoteAddr() || b.LocalAddr() != a.RemoteAddr() || !a.Outbound() || b.Outbound() {
		t.Fatalf("addresses do not match: a %v->%v, b %v->%v", a.LocalAddr(), a.RemoteAddr(), b.LocalAddr(), b.RemoteAddr())
	}
	if a.LocalAddr() != netip.AddrPortFrom(hostB, 40000) {
		t.Fatalf("dialer's address %v, want the chosen one", a.LocalAddr())
	}
	return a, b, n
}

// handshakeBoth runs Handshake on both remotes at once and returns the
// version each received.
func handshakeBoth(t *testing.T, a, b *actortest.Remote, va, vb *protocol.MsgVersion) (gotA, gotB *protocol.MsgVersion) {
	t.Helper()
	var wg sync.WaitGroup
	fake := newFakeTB(t)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if msg := fake.run(func() { gotB = b.Handshake(fake, vb) }); msg != "" {
			t.Errorf("b: %s", msg)
		}
	}()
	gotA = a.Handshake(t, va)
	wg.Wait()
	return gotA, gotB
}

func TestRemoteHandshakeBothWays(t *testing.T) {
	system := newSystem(t)
	a, b, n := remotePair(t, system)
	va, vb := a.NewVersion(), b.NewVersion()
	gotA, gotB := handshakeBoth(t, a, b, va, vb)
	if gotA.Nonce != vb.Nonce || gotB.Nonce != va.Nonce {
		t.Fatalf("versions crossed wrong: a got nonce %d, b got %d", gotA.Nonce, gotB.Nonce)
	}
	if gotB.AddrRecv.AddrPort() != b.LocalAddr() || gotB.UserAgent != actortest.RemoteUserAgent {
		t.Fatalf("version as b sees it: %+v", gotB)
	}
	for _, r := range []*actortest.Remote{a, b} {
		if w, s := r.PeerFeatures(); !w || !s {
			t.Errorf("%v: features wtxidrelay %v sendaddrv2 %v, want both", r.LocalAddr(), w, s)
		}
		if pending := r.Pending(); len(pending) != 0 {
			t.Errorf("%v: left pending %v", r.LocalAddr(), pending)
		}
		if r.ProtocolVersion() != protocol.ProtocolVersion {
			t.Errorf("negotiated %d", r.ProtocolVersion())
		}
	}
	assertNoViolations(t, n)
}

func TestRemoteHandshakeOldVersionSkipsFeatures(t *testing.T) {
	system := newSystem(t)
	a, b, _ := remotePair(t, system)
	vb := b.NewVersion()
	vb.ProtocolVersion = protocol.FeeFilterVersion
	handshakeBoth(t, a, b, nil, vb)
	if w, s := a.PeerFeatures(); w || s {
		t.Errorf("features from a 70013 node: wtxidrelay %v sendaddrv2 %v", w, s)
	}
	if a.ProtocolVersion() != protocol.FeeFilterVersion {
		t.Errorf("negotiated %d, want %d", a.ProtocolVersion(), protocol.FeeFilterVersion)
	}
}

func TestRemoteExpectKeepsOrder(t *testing.T) {
	system := newSystem(t)
	a, b, _ := remotePair(t, system)
	a.Send(&protocol.MsgPing{Nonce: 1})
	a.Send(&protocol.MsgGetAddr{})
	a.Send(&protocol.MsgPing{Nonce: 2})

	b.Expect(t, protocol.CmdGetAddr, wait)
	if p := actortest.ExpectMsg[*protocol.MsgPing](t, b, wait); p.Nonce != 1 {
		t.Fatalf("first ping %d", p.Nonce)
	}
	if p := b.ExpectAny(t, wait).(*protocol.MsgPing); p.Nonce != 2 {
		t.Fatalf("second ping %d", p.Nonce)
	}
	b.ExpectNone(t, protocol.CmdPing, 0)
	if got := len(b.Received()); got != 3 {
		t.Fatalf("Received %d, want 3", got)
	}

	fake := newFakeTB(t)
	msg := fake.run(func() { b.Expect(fake, protocol.CmdInv, 0) })
	if !strings.Contains(msg, `no "inv"`) || !strings.Contains(msg, "3 consumed earlier") {
		t.Fatalf("failure message %q", msg)
	}
}

func TestRemoteAutoPong(t *testing.T) {
	system := newSystem(t)
	a, b, _ := remotePair(t, system)
	b.SetAutoPong(true)
	a.Send(&protocol.MsgPing{Nonce: 77})
	if p := actortest.ExpectMsg[*protocol.MsgPong](t, a, wait); p.Nonce != 77 {
		t.Fatalf("pong %d", p.Nonce)
	}
	if len(b.Pending()) != 0 || len(b.Received()) != 1 {
		t.Fatalf("answered ping: pending %v, received %v", b.Pending(), b.Received())
	}
}

func TestRemoteBadMessageFailsExpect(t *testing.T) {
	system := newSystem(t)
	a, b, _ := remotePair(t, system)
	// A ping whose payload is 3 bytes: framed fine, not decodable.
	a.SendRaw(protocol.AppendRawFrame(nil, regtestMagic, protocol.CmdPing, []byte{1, 2, 3}))
	fake := newFakeTB(t)
	msg := fake.run(func() { b.Expect(fake, protocol.CmdPing, wait) })
	if !strings.Contains(msg, `undecodable "ping" (3 bytes)`) {
		t.Fatalf("failure message %q", msg)
	}
	if bad, ok := b.Received()[0].(*actortest.BadMessage); !ok || !errors.Is(bad.Err, protocol.ErrShortInput) {
		t.Fatalf("recorded %#v", b.Received()[0])
	}
}

func TestRemoteCloseReachesTheOtherSide(t *testing.T) {
	system := newSystem(t)
	a, b, n := remotePair(t, system)
	a.Send(&protocol.MsgVerack{})
	a.Close()
	a.Close()
	if reason := b.ExpectClosed(t, wait); !errors.Is(reason, io.EOF) {
		t.Fatalf("b saw %v, want EOF", reason)
	}
	if reason := a.ExpectClosed(t, wait); !errors.Is(reason, actortest.ErrRemoteClosed) {
		t.Fatalf("a saw %v", reason)
	}
	// What was sent before the close is still there, and Expect gives up at
	// once on a closed connection with nothing matching.
	b.Expect(t, protocol.CmdVerack, wait)
	fake := newFakeTB(t)
	msg := fake.run(func() { b.Expect(fake, protocol.CmdPing, wait) })
	if !strings.Contains(msg, "closed:") {
		t.Fatalf("failure message %q", msg)
	}
	waitFor(t, func() bool { return len(n.Conns()) == 0 })
}

func TestDialRemoteRefused(t *testing.T) {
	system := newSystem(t)
	n := actortest.NewNetwork(regtestMagic)
	fake := newFakeTB(t)
	msg := fake.run(func() {
		actortest.DialRemote(fake, system, n, netip.AddrPortFrom(hostB, 0), netip.AddrPortFrom(hostA, 8333))
	})
	if !strings.Contains(msg, "connection refused") {
		t.Fatalf("failure message %q", msg)
	}
}

// TestRemoteAgainstNodeOnNetwork scripts a remote against a node's io
// replacement: the remote dials an echo node.
func TestRemoteAgainstEchoNode(t *testing.T) {
	system := newSystem(t)
	n := actortest.NewNetwork(regtestMagic)
	_, addr := startEchoNode(t, system, n, netip.AddrPortFrom(hostA, 8333))
	r := actortest.DialRemote(t, system, n, netip.AddrPortFrom(hostB, 0), addr)
	// An echo answers version with our version and verack with verack: a
	// handshake with ourselves.
	v := r.NewVersion()
	if got := r.Handshake(t, v); got.Nonce != v.Nonce {
		t.Fatalf("echoed version nonce %d", got.Nonce)
	}
	r.Send(&protocol.MsgPing{Nonce: 5})
	if p := actortest.ExpectMsg[*protocol.MsgPing](t, r, wait); p.Nonce != 5 {
		t.Fatalf("echo %d", p.Nonce)
	}
	assertNoViolations(t, n)
}

// TestDialTCP scripts a remote over a real socket against an echo server on
// loopback.
func TestDialTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		_, err = io.Copy(c, c)
		c.Close()
		served <- err
	}()
	t.Cleanup(func() { ln.Close() })

	r := actortest.DialTCP(t, ln.Addr().String(), regtestMagic)
	if r.RemoteAddr().String() != ln.Addr().String() || !r.Outbound() {
		t.Fatalf("remote %v, outbound %v", r.RemoteAddr(), r.Outbound())
	}
	v := r.NewVersion()
	if got := r.Handshake(t, v); got.Nonce != v.Nonce {
		t.Fatalf("echoed version nonce %d", got.Nonce)
	}
	// A frame written in two pieces comes back whole.
	frame := protocol.AppendFrame(nil, regtestMagic, &protocol.MsgPing{Nonce: 9}, protocol.ProtocolVersion)
	r.SendRaw(frame[:5])
	r.SendRaw(frame[5:])
	if p := actortest.ExpectMsg[*protocol.MsgPing](t, r, wait); p.Nonce != 9 {
		t.Fatalf("echo %d", p.Nonce)
	}
	// A wrong magic ends the connection with the framing error.
	r.SendRaw(protocol.AppendFrame(nil, 0xD9B4BEF9, &protocol.MsgVerack{}, protocol.ProtocolVersion))
	if reason := r.ExpectClosed(t, wait); !errors.Is(reason, protocol.ErrBadMagic) {
		t.Fatalf("closed with %v, want bad magic", reason)
	}
	if err := <-served; err != nil {
		t.Fatalf("echo server: %v", err)
	}
}

func TestDialTCPClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer c.Close()
		_, err = c.Read(make([]byte, 1))
		got <- err
	}()
	r := actortest.DialTCP(t, ln.Addr().String(), regtestMagic)
	r.Close()
	if err := <-got; !errors.Is(err, io.EOF) {
		t.Fatalf("server read %v, want EOF", err)
	}
	if reason := r.ExpectClosed(t, wait); !errors.Is(reason, actortest.ErrRemoteClosed) {
		t.Fatalf("remote closed with %v", reason)
	}
}
