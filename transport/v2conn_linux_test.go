//go:build linux && !transport_portable

package transport

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
)

// v2End is a BIP324 endpoint over a real socket, driven by the test: a
// client of io's listener (initiator) or the server io dials (responder).
type v2End struct {
	t   *testing.T
	nc  net.Conn
	s   *bip324.Session
	in  []byte
	got []bip324.Message
	est bool
}

func newV2End(t *testing.T, nc net.Conn, initiator bool, garbage []byte) *v2End {
	t.Helper()
	k, err := bip324.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := bip324.NewSession(bip324.Config{Magic: testMagic, Initiator: initiator, Key: k, Garbage: garbage})
	if err != nil {
		t.Fatal(err)
	}
	return &v2End{t: t, nc: nc, s: s}
}

func (e *v2End) write(b []byte) {
	e.t.Helper()
	if len(b) == 0 {
		return
	}
	if _, err := e.nc.Write(b); err != nil {
		e.t.Fatalf("write: %v", err)
	}
}

// readUntil feeds what arrives to the Session until done holds; it fails
// the test after waitFor, or if the socket ends or the Session fails first.
func (e *v2End) readUntil(done func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(waitFor)
	buf := make([]byte, 64<<10)
	for !done() {
		e.nc.SetReadDeadline(deadline)
		n, err := e.nc.Read(buf)
		if err != nil {
			e.t.Fatalf("read after %d messages: %v", len(e.got), err)
		}
		e.in = append(e.in, buf[:n]...)
		r, err := e.s.Received(e.in, nil, nil)
		e.write(r.Out)
		for _, m := range r.Messages {
			e.got = append(e.got, bip324.Message{Command: m.Command, Payload: bytes.Clone(m.Payload)})
		}
		e.est = e.est || r.Established
		if err != nil {
			e.t.Fatalf("session: %v", err)
		}
		e.in = append(e.in[:0], e.in[r.Used:]...)
	}
}

func (e *v2End) send(cmd string, payload []byte) {
	e.t.Helper()
	out, err := e.s.AppendMessage(nil, cmd, payload)
	if err != nil {
		e.t.Fatal(err)
	}
	e.write(out)
}

// expectClosedBy waits for io to close the socket.
func expectClosedBy(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("socket not closed by io: %v", err)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// v2Accept connects a client to the rig and returns its v2 end, attached.
func (r *rig) v2Accept(garbage []byte) (*v2End, ConnID, *probe) {
	r.t.Helper()
	nc, id, p := r.acceptPlain(true)
	return newV2End(r.t, nc, true, garbage), id, p
}

// TestV2InboundHandshakeAndMessages: on a listener with Config.V2 a v2
// client completes the handshake; messages flow both ways, long and short
// message types, a frame larger than the read buffer and past the
// rekeying interval; decoys are ignored; the owner and peer learn the
// session id; and a v1 client is served on the same port.
func TestV2InboundHandshakeAndMessages(t *testing.T) {
	r := newRig(t, Config{V2: true})
	e, id, p := r.v2Accept(bytes.Repeat([]byte{7}, 100))
	// Bytes sent before the handshake are held, then encrypted.
	r.send(id, frame("version", []byte("early")))
	e.write(e.s.Start(nil))
	e.readUntil(func() bool { return e.est && len(e.got) >= 1 })
	if e.got[0].Command != "version" || string(e.got[0].Payload) != "early" {
		t.Fatalf("first message %s %q", e.got[0].Command, e.got[0].Payload)
	}
	sid, _ := e.s.SessionID()
	for _, who := range []*probe{p, r.owner} {
		if enc := expect[*Encrypted](who); enc.Conn != id || enc.SessionID != sid {
			t.Fatalf("encrypted %+v, session id %x", enc, sid)
		}
	}

	big := bytes.Repeat([]byte{0x5a}, 3*ReadBufferSize)
	const n = 300 // past RekeyInterval (224) packets each way
	var wire []byte
	for i := range n {
		var err error
		if i%10 == 0 {
			if wire, err = e.s.AppendDecoy(wire, i); err != nil {
				t.Fatal(err)
			}
		}
		if wire, err = e.s.AppendMessage(wire, "ping", []byte{byte(i), 0, 0, 0, 0, 0, 0, 0}); err != nil {
			t.Fatal(err)
		}
	}
	wire, _ = e.s.AppendMessage(wire, "newcmd", []byte("long type"))
	wire, _ = e.s.AppendMessage(wire, "block", big)
	e.write(wire)
	frames := expectFrames(p, id, n+2)
	for i := range n {
		if frames[i].Command != "ping" || frames[i].Payload[0] != byte(i) {
			t.Fatalf("frame %d: %s %x", i, frames[i].Command, frames[i].Payload)
		}
	}
	if frames[n].Command != "newcmd" || frames[n+1].Command != "block" || !bytes.Equal(frames[n+1].Payload, big) {
		t.Fatalf("tail frames %s %s (%d bytes)", frames[n].Command, frames[n+1].Command, len(frames[n+1].Payload))
	}

	var out []byte
	for i := range n {
		out = protocol.AppendPong(out, testMagic, uint64(i), [4]byte{})
	}
	out = append(out, frame("newcmd", []byte("x"))...)
	r.send(id, out)
	e.readUntil(func() bool { return len(e.got) >= 1+n+1 })
	if e.got[n].Command != "pong" || e.got[n+1].Command != "newcmd" {
		t.Fatalf("replies end %s %s", e.got[n].Command, e.got[n+1].Command)
	}
	if st := p.stats(); st.V2Established != 1 || st.V2Decoys != n/10 || st.V2Failures != 0 {
		t.Fatalf("stats %+v", st)
	}

	// A v1 peer on the same port.
	nc, v1id, v1p := r.acceptPlain(true)
	nc.Write(frame("version", []byte("v1 peer")))
	if f := expectFrames(v1p, v1id, 1); f[0].Command != "version" || string(f[0].Payload) != "v1 peer" {
		t.Fatalf("v1 frame %+v", f[0])
	}
	r.send(v1id, frame("verack", nil))
	if got := readFull(t, nc, protocol.HeaderSize); !bytes.Equal(got, frame("verack", nil)) {
		t.Fatalf("v1 reply %x", got)
	}
	if has[*Encrypted](v1p) {
		t.Fatal("a v1 connection reported encrypted")
	}
}

// TestV2KeyByteByByte: a client sending its key, garbage and packets one
// byte per write still completes the handshake.
func TestV2KeyByteByByte(t *testing.T) {
	r := newRig(t, Config{V2: true})
	e, id, p := r.v2Accept([]byte("some garbage"))
	hello := e.s.Start(nil)
	for i := range hello {
		e.write(hello[i : i+1])
	}
	e.readUntil(func() bool { return e.s.CanSend() })
	msg, _ := e.s.AppendMessage(nil, "ping", make([]byte, 8))
	for i := range msg {
		e.write(msg[i : i+1])
	}
	if f := expectFrames(p, id, 1); f[0].Command != "ping" {
		t.Fatalf("frame %+v", f[0])
	}
	e.readUntil(func() bool { return e.est })
}

// TestV2FaultsCloseOnlyThatConnection: garbage over the limit, a wrong
// garbage terminator, a packet failing authentication and a v1 header of
// another network each close their connection, and only it.
func TestV2FaultsCloseOnlyThatConnection(t *testing.T) {
	r := newRig(t, Config{V2: true})
	good, goodID, goodPeer := r.v2Accept(nil)
	good.write(good.s.Start(nil))
	good.readUntil(func() bool { return good.est })

	check := func(name string, want error, misbehave func(e *v2End)) {
		t.Helper()
		e, id, p := r.v2Accept(nil)
		misbehave(e)
		if cl := expect[*Closed](p); cl.Conn != id || !errors.Is(cl.Reason, want) {
			t.Fatalf("%s: closed %+v, want %v", name, cl, want)
		}
		expectClosedBy(t, e.nc)
	}
	check("garbage over the limit", bip324.ErrNoTerminator, func(e *v2End) {
		hello := e.s.Start(nil)
		e.write(hello)
		junk := make([]byte, bip324.MaxGarbageLen+bip324.GarbageTerminatorSize)
		rand.Read(junk)
		e.write(junk)
	})
	check("bad terminator", bip324.ErrNoTerminator, func(e *v2End) {
		// Our key, then, once io's key is in, a terminator that is not
		// the one the keys call for, a version packet's worth of bytes,
		// and more: io looks no further than MaxGarbageLen bytes.
		e.write(e.s.Start(nil))
		readFull(t, e.nc, bip324.KeySize)
		wrong := bytes.Repeat([]byte{0xee}, bip324.GarbageTerminatorSize+bip324.LengthSize+bip324.HeaderSize+bip324.TagSize)
		e.write(wrong)
		e.write(bytes.Repeat([]byte{0xdd}, bip324.MaxGarbageLen))
	})
	check("packet failing authentication", bip324.ErrAuthentication, func(e *v2End) {
		e.write(e.s.Start(nil))
		e.readUntil(func() bool { return e.est })
		pkt, _ := e.s.AppendMessage(nil, "ping", make([]byte, 8))
		pkt[len(pkt)-1] ^= 1
		e.write(pkt)
	})
	check("v1 header of another network", bip324.ErrWrongNetwork, func(e *v2End) {
		e.write(protocol.AppendRawFrame(nil, testMagic^1, "version", make([]byte, 8)))
	})

	good.send("ping", make([]byte, 8))
	if f := expectFrames(goodPeer, goodID, 1); f[0].Command != "ping" {
		t.Fatalf("good frame %+v", f[0])
	}
	if has[*Closed](goodPeer) {
		t.Fatal("the good connection was closed")
	}
	if st := goodPeer.stats(); st.V2Failures != 4 {
		t.Fatalf("V2Failures %d, want 4", st.V2Failures)
	}
}

// TestV2Outbound: Dial.V2 opens a v2 connection to a BIP324 responder;
// to a v1-only server, which drops our key, the Closed says ReconnectV1.
func TestV2Outbound(t *testing.T) {
	r := newRig(t, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	r.sys.Root.Send(r.io, &Dial{Tag: 9, Addr: addr, Owner: r.owner.pid, V2: true})
	d := expect[*Dialed](r.owner)
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	p := newProbe(t, r.sys, r.io, true)
	r.sys.Root.Send(r.io, &Attach{Conn: d.Conn, Peer: p.pid})
	r.send(d.Conn, frame("version", []byte("hello")))
	var nc net.Conn
	select {
	case nc = <-accepted:
	case <-time.After(waitFor):
		t.Fatal("no connection")
	}
	defer nc.Close()
	e := newV2End(t, nc, false, []byte("responder garbage"))
	e.readUntil(func() bool { return e.est && len(e.got) >= 1 })
	if e.got[0].Command != "version" || string(e.got[0].Payload) != "hello" {
		t.Fatalf("got %s %q", e.got[0].Command, e.got[0].Payload)
	}
	e.send("verack", nil)
	if f := expectFrames(p, d.Conn, 1); f[0].Command != "verack" {
		t.Fatalf("frame %+v", f[0])
	}
	expectWhere(r.owner, func(m *Encrypted) bool { return m.Conn == d.Conn })

	// A v1 server: it reads our key as a header with a wrong magic and
	// hangs up.
	v1 := newRig(t, Config{}) // a v1-only io, as Core with -v2transport=0
	r.sys.Root.Send(r.io, &Dial{Tag: 10, Addr: v1.addr, Owner: r.owner.pid, V2: true})
	d2 := expectWhere(r.owner, func(m *Dialed) bool { return m.Tag == 10 })
	if d2.Err != nil {
		t.Fatal(d2.Err)
	}
	acc := expect[*Accepted](v1.owner)
	v1.sys.Root.Send(v1.io, &Attach{Conn: acc.Conn, Peer: v1.owner.pid})
	p2 := newProbe(t, r.sys, r.io, true)
	r.sys.Root.Send(r.io, &Attach{Conn: d2.Conn, Peer: p2.pid})
	r.send(d2.Conn, frame("version", nil))
	if cl := expect[*Closed](p2); !cl.ReconnectV1 {
		t.Fatalf("closed %+v: want ReconnectV1", cl)
	}
}

// TestV2CloseDuringKeyAgreement: connections closed by a Close, or by the
// remote, while their keys are being agreed (or just after) end cleanly:
// each peer gets one Closed, the late agreement finds nothing, and io
// keeps serving others.
func TestV2CloseDuringKeyAgreement(t *testing.T) {
	r := newRig(t, Config{V2: true})
	for i := range 10 {
		e, id, p := r.v2Accept(nil)
		e.write(e.s.Start(nil))
		if i%2 == 0 {
			r.sys.Root.Send(r.io, &Close{Conn: id})
		} else {
			e.nc.Close()
		}
		expect[*Closed](p)
	}
	good, goodID, goodPeer := r.v2Accept(nil)
	good.write(good.s.Start(nil))
	good.readUntil(func() bool { return good.est })
	good.send("ping", make([]byte, 8))
	if f := expectFrames(goodPeer, goodID, 1); f[0].Command != "ping" {
		t.Fatalf("frame %+v", f[0])
	}
	if st := goodPeer.stats(); st.Conns != 1 {
		t.Fatalf("%d connections open, want 1", st.Conns)
	}
}
