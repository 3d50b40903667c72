package iotest

import (
	"errors"
	"testing"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// RunV2 runs the contract's BIP324 tests, each a subtest, against io actors
// that speak v2: Config.V2 for accepted connections, Dial.V2 for dialled
// ones.
func RunV2(t *testing.T, newIO NewIO) {
	tests := []struct {
		name string
		run  func(*testing.T, NewIO)
	}{
		{"V2FramesBothWays", testV2FramesBothWays},
		{"V2ListenerServesV1", testV2ListenerServesV1},
		{"V2DialToV1FallsBack", testV2DialToV1},
		{"V2ReceivePauseAndResume", testV2ReceivePause},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newIO) })
	}
}

// v2Pair is pair with the dial made with Dial.V2.
func (r *rig) v2Pair() *pair { return r.v2PairAck(true) }

// v2PairAck is v2Pair with the accepted end's recorder acknowledging at
// once or not (ackIn).
func (r *rig) v2PairAck(ackIn bool) *pair {
	r.t.Helper()
	r.tags++
	tag := 2000 + r.tags
	r.sys.Root.Send(r.io, &transport.Dial{Tag: tag, Addr: r.addr, Timeout: waitFor, Owner: r.owner.pid, V2: true})
	d := first(r.owner, func(d *transport.Dialed) bool { return d.Tag == tag })
	if d.Err != nil {
		r.t.Fatalf("dial %v: %v", r.addr, d.Err)
	}
	a := first(r.owner, func(a *transport.Accepted) bool { return a.Remote == d.Local })
	p := &pair{out: d.Conn, in: a.Conn, dialed: d, accepted: a,
		outRec: newRecorder(r.t, r.sys, r.io, true), inRec: newRecorder(r.t, r.sys, r.io, ackIn)}
	return p
}

// testV2FramesBothWays: a v2 dial to a v2 listener: bytes sent before the
// handshake (and before Attach) are held and then arrive; each end's peer
// and the owner get Encrypted with one session id; frames of short and
// long message types, beyond the rekeying interval and larger than a read
// buffer, arrive whole both ways; the receive limit counts them as v1.
func testV2FramesBothWays(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{v2: true})
	p := r.v2Pair()
	r.send(p.out, seqFrame(nil, "version", 0, 8))
	r.attach(p.out, p.outRec)
	r.attach(p.in, p.inRec)
	checkSeq(t, p.inRec.waitFrames(p.in, 1), "version", 0, 8)
	encOut := first(p.outRec, func(e *transport.Encrypted) bool { return e.Conn == p.out })
	encIn := first(p.inRec, func(e *transport.Encrypted) bool { return e.Conn == p.in })
	if encOut.SessionID != encIn.SessionID || encOut.SessionID == ([32]byte{}) {
		t.Fatalf("session ids %x and %x", encOut.SessionID, encIn.SessionID)
	}
	first(r.owner, func(e *transport.Encrypted) bool { return e.Conn == p.out })
	first(r.owner, func(e *transport.Encrypted) bool { return e.Conn == p.in })

	const n = 300 // past BIP324's rekeying interval (224 packets)
	var all []byte
	for i := range n {
		all = seqFrame(all, "ping", uint32(i+1), 8)
	}
	r.send(p.out, all)
	r.send(p.out, seqFrame(nil, "block", 7, 300_000))
	r.send(p.out, seqFrame(nil, "newcommand", 8, 16))
	got := p.inRec.waitFrames(p.in, 1+n+2)
	checkSeq(t, got[1:1+n], "ping", 1, 8)
	checkSeq(t, got[1+n:1+n+1], "block", 7, 300_000)
	checkSeq(t, got[1+n+1:], "newcommand", 8, 16)
	for i, f := range got {
		if f.Checksum != ([4]byte{}) && f.Checksum != protocol.Checksum(f.Payload) {
			t.Fatalf("frame %d: Checksum %x, neither zero nor the payload's", i, f.Checksum)
		}
	}
	for i := range n {
		r.send(p.in, seqFrame(nil, "pong", uint32(i), 8))
	}
	checkSeq(t, p.outRec.waitFrames(p.out, n), "pong", 0, 8)
	if s := r.owner.stats(); s.V2Established != 2 || s.V2Failures != 0 {
		t.Fatalf("stats %+v: want 2 handshakes, no failure", s)
	}
}

// testV2ListenerServesV1: a v1 dial to a v2 listener speaks v1 both ways,
// and nobody is told Encrypted.
func testV2ListenerServesV1(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{v2: true})
	p := r.pair(true, true)
	r.send(p.out, seqFrame(nil, "version", 1, 100))
	checkSeq(t, p.inRec.waitFrames(p.in, 1), "version", 1, 100)
	r.send(p.in, seqFrame(nil, "verack", 2, 8))
	f := p.outRec.waitFrames(p.out, 1)
	checkSeq(t, f, "verack", 2, 8)
	if f[0].Checksum != protocol.Checksum(f[0].Payload) {
		t.Fatalf("v1 frame's checksum %x", f[0].Checksum)
	}
	for _, rec := range []*recorder{p.inRec, p.outRec, r.owner} {
		if c := count[*transport.Encrypted](rec.snapshot(), nil); c != 0 {
			t.Fatalf("%d Encrypted on a v1 connection", c)
		}
	}
}

// testV2DialToV1: a v2 dial to a v1-only listener: the listener's end
// reads our key as a v1 header with a wrong magic and closes; the dialled
// end's Closed says ReconnectV1 (Core's ShouldReconnectV1). A plain close
// of a v2 connection after the handshake does not.
func testV2DialToV1(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.v2Pair()
	r.attach(p.out, p.outRec)
	r.attach(p.in, p.inRec)
	if c := p.inRec.closedOf(p.in); !errors.Is(c.Reason, protocol.ErrBadMagic) {
		t.Fatalf("listener's end closed with %v, want a bad magic", c.Reason)
	}
	if c := p.outRec.closedOf(p.out); !c.ReconnectV1 {
		t.Fatalf("dialled end's Closed %+v: want ReconnectV1", c)
	}

	r2 := newRig(t, newIO, limits{v2: true})
	q := r2.v2Pair()
	r2.attach(q.out, q.outRec)
	r2.attach(q.in, q.inRec)
	first(q.outRec, func(e *transport.Encrypted) bool { return e.Conn == q.out })
	r2.close(q.in, nil)
	if c := q.outRec.closedOf(q.out); c.ReconnectV1 {
		t.Fatalf("closed after the handshake %+v: want no ReconnectV1", c)
	}
}

// testV2ReceivePause: the receive limit holds on a v2 connection as on v1,
// counting each decrypted message as its v1 frame (header and payload):
// reading stops at the limit and resumes with the acknowledgements, every
// message arriving in order.
func testV2ReceivePause(t *testing.T, newIO NewIO) {
	const (
		recvLimit = 64 << 10
		size      = 4000
		n         = 200 // 800 KB: many times the limit
	)
	r := newRig(t, newIO, limits{recv: recvLimit, v2: true})
	p := r.v2PairAck(false)
	r.attach(p.out, p.outRec)
	r.attach(p.in, p.inRec)
	var data []byte
	for i := range n {
		data = seqFrame(data, "tx", uint32(i), size)
	}
	r.send(p.out, data)
	s := r.owner.statsUntil("reads paused", func(s *transport.Stats) bool { return s.ReadsPaused == 1 })
	msgs := p.inRec.waitUntil("the Receiveds in flight", func(msgs []any) bool {
		return count[*rcvd](msgs, nil) >= s.InFlight
	})
	cost, frames := 0, 0
	for _, m := range msgs {
		if g, ok := m.(*rcvd); ok {
			if cost >= recvLimit {
				t.Fatalf("a Received posted with %d bytes already unacknowledged, limit %d", cost, recvLimit)
			}
			cost += g.cost
			frames += len(g.frames)
			if want := len(g.frames) * (protocol.HeaderSize + size); g.size != want {
				t.Fatalf("Received of %d messages with Size %d, want their v1 frames' %d", len(g.frames), g.size, want)
			}
		}
	}
	if cost < recvLimit || frames >= n {
		t.Fatalf("paused with %d bytes unacknowledged (limit %d) and %d of %d frames delivered", cost, recvLimit, frames, n)
	}
	p.inRec.ackHeld(true)
	checkSeq(t, p.inRec.waitFrames(p.in, n), "tx", 0, size)
	r.owner.statsUntil("reads resumed, nothing in flight", func(s *transport.Stats) bool {
		return s.ReadsPaused == 0 && s.InFlight == 0
	})
}
