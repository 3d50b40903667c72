package iotest

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// testListenDialAccept: Listen answers Listening; Dial answers Dialed to its
// Owner with its Tag and a connection; the listener's Owner gets Accepted
// whose Remote is the dialer's Local; the two ends have distinct ids.
func testListenDialAccept(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	d, a := r.connect(7)
	if d.Tag != 7 || d.Addr != r.addr || d.Conn == 0 || !d.Local.IsValid() {
		t.Fatalf("Dialed %+v", d)
	}
	if a.Conn == 0 || a.Local != r.addr || a.Remote != d.Local {
		t.Fatalf("Accepted %+v, dialed from %v to %v", a, d.Local, r.addr)
	}
	if a.Conn == d.Conn {
		t.Fatal("both ends of a connection have one ConnID")
	}
}

// testDialRefused: a Dial to a port nobody listens on answers Dialed with
// Err set and no connection.
func testDialRefused(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	// A port the kernel just handed out and took back: nobody listens on
	// it, on loopback or in an in-memory network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close()
	r.sys.Root.Send(r.io, &transport.Dial{Tag: 3, Addr: addr, Timeout: waitFor, Owner: r.owner.pid})
	d := first(r.owner, func(d *transport.Dialed) bool { return d.Tag == 3 })
	if d.Err == nil || d.Conn != 0 || d.Addr != addr {
		t.Fatalf("Dialed %+v, want an error", d)
	}
	if s := r.owner.stats(); s.Conns != 0 || s.Dialed != 0 {
		t.Fatalf("stats after a refused dial: %+v", s)
	}
}

// testListenInUse: a Listen on an address already listened on answers
// Listening with Err set.
func testListenInUse(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	r.sys.Root.Send(r.io, &transport.Listen{Addr: r.addr, Owner: r.owner.pid})
	l := first(r.owner, func(l *transport.Listening) bool { return l.Requested == r.addr })
	if l.Err == nil {
		t.Fatalf("second Listening on %v: %+v, want an error", r.addr, l)
	}
	if s := r.owner.stats(); s.Listeners != 1 {
		t.Fatalf("Listeners %d, want 1", s.Listeners)
	}
}

// testFramesBothWays: frames sent on one end arrive at the other's peer, in
// order, however the Sends cut them.
func testFramesBothWays(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	const n = 100
	// Out: one Send per frame. In: all frames in one Send.
	for i := range n {
		r.send(p.out, seqFrame(nil, "ping", uint32(i), 8+i))
	}
	r.send(p.in, seqFrames("pong", n, 8))
	got := p.inRec.waitFrames(p.in, n)
	for i, f := range got {
		if f.Command != "ping" || len(f.Payload) != 8+i || binary.LittleEndian.Uint32(f.Payload) != uint32(i) {
			t.Fatalf("frame %d on the accepted end: %q, %d bytes", i, f.Command, len(f.Payload))
		}
		if f.Checksum != protocol.Checksum(f.Payload) {
			t.Fatalf("frame %d: Checksum %x, want the payload's", i, f.Checksum)
		}
	}
	checkSeq(t, p.outRec.waitFrames(p.out, n), "pong", 0, 8)
}

// testBytesBeforeAttach: bytes sent to an end before it is attached are
// delivered to its peer once it is.
func testBytesBeforeAttach(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	d, a := r.connect(1)
	r.send(d.Conn, seqFrame(nil, "ping", 1, 8))
	r.send(d.Conn, seqFrame(nil, "ping", 2, 8))
	// A stats round trip: io has taken the Sends before the Attach.
	r.owner.stats()
	in := newRecorder(t, r.sys, r.io, true)
	r.attach(a.Conn, in)
	checkSeq(t, in.waitFrames(a.Conn, 2), "ping", 1, 8)
}

// testLargeFrame: a frame larger than any read buffer arrives whole, and a
// frame of the largest legal length too.
func testLargeFrame(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	r.send(p.out, seqFrame(nil, "block", 1, 300_000))
	r.send(p.out, seqFrame(nil, "block", 2, protocol.MaxPayloadSize))
	checkSeq(t, p.inRec.waitFrames(p.in, 2)[:1], "block", 1, 300_000)
	checkSeq(t, p.inRec.waitFrames(p.in, 2)[1:], "block", 2, protocol.MaxPayloadSize)
}

// testAnnouncedLength: a header announcing a large payload does not make io
// allocate it before the bytes arrive. As Core's V1Transport::readData
// does, the buffer grows with the data, 256 KiB ahead at most (then
// doubling), so remotes announcing 4 MB and sending 100 bytes cost little.
func testAnnouncedLength(t *testing.T, newIO NewIO) {
	const conns = 8
	r := newRig(t, newIO, limits{})
	pairs := make([]*pair, conns)
	for i := range pairs {
		pairs[i] = r.pair(true, true)
	}
	partial := seqFrame(nil, "block", 1, protocol.MaxPayloadSize)[:protocol.HeaderSize+100]
	base := r.owner.stats().BytesRead
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, p := range pairs {
		r.send(p.out, append([]byte(nil), partial...))
	}
	r.owner.statsUntil("every partial frame read", func(s *transport.Stats) bool {
		return s.BytesRead == base+uint64(conns*len(partial))
	})
	runtime.ReadMemStats(&after)
	// Allocating the announced length would take 4 MB per connection.
	const budget = conns * protocol.MaxPayloadSize / 4
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d connections announcing %d bytes and sending 100: %d bytes allocated", conns, protocol.MaxPayloadSize, grew)
	if grew > budget {
		t.Fatalf("%d connections announcing %d bytes and sending 100: %d bytes allocated, want at most %d",
			conns, protocol.MaxPayloadSize, grew, budget)
	}
	// The frames still complete.
	rest := seqFrame(nil, "block", 1, protocol.MaxPayloadSize)[len(partial):]
	for _, p := range pairs {
		r.send(p.out, append([]byte(nil), rest...))
	}
	for _, p := range pairs {
		checkSeq(t, p.inRec.waitFrames(p.in, 1), "block", 1, protocol.MaxPayloadSize)
	}
}

// testBadFramesDropped: a frame whose checksum does not match, or whose
// command bytes are malformed, is dropped and counted; the connection goes
// on.
func testBadFramesDropped(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	badSum := seqFrame(nil, "ping", 9, 8)
	badSum[20] ^= 0xff
	badCmd := seqFrame(nil, "ping", 9, 8)
	badCmd[4+5] = 'x' // a byte after the NUL padding began
	var data []byte
	data = seqFrame(data, "ping", 1, 8)
	data = append(data, badSum...)
	data = seqFrame(data, "ping", 2, 8)
	data = append(data, badCmd...)
	data = seqFrame(data, "ping", 3, 8)
	r.send(p.out, data)
	checkSeq(t, p.inRec.waitFrames(p.in, 3), "ping", 1, 8)
	s := r.owner.stats()
	if s.BadChecksums != 1 || s.BadCommands != 1 || s.Conns != 2 {
		t.Fatalf("BadChecksums %d, BadCommands %d, Conns %d; want 1, 1, 2", s.BadChecksums, s.BadCommands, s.Conns)
	}
}

// testBadMagic: a frame of another network closes the connection with a
// reason wrapping protocol.ErrBadMagic, after the frames before it.
func testBadMagic(t *testing.T, newIO NewIO) {
	bad := protocol.AppendRawFrame(nil, 0xD9B4BEF9, "ping", make([]byte, 8))
	testFatalHeader(t, newIO, bad, protocol.ErrBadMagic)
}

// testOversized: a header announcing more than protocol.MaxPayloadSize
// closes the connection with a reason wrapping protocol.ErrPayloadTooLarge,
// before any of that payload arrives.
func testOversized(t *testing.T, newIO NewIO) {
	bad := protocol.AppendRawFrame(nil, Magic, "block", nil)
	binary.LittleEndian.PutUint32(bad[16:], protocol.MaxPayloadSize+1)
	testFatalHeader(t, newIO, bad, protocol.ErrPayloadTooLarge)
}

func testFatalHeader(t *testing.T, newIO NewIO, bad []byte, want error) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	data := seqFrame(nil, "ping", 1, 8)
	data = append(data, bad...)
	data = seqFrame(data, "ping", 2, 8)
	r.send(p.out, data)
	c := p.inRec.closedOf(p.in)
	if !errors.Is(c.Reason, want) {
		t.Fatalf("Closed reason %v, want %v", c.Reason, want)
	}
	// The owner is told too, and the other end closes.
	if oc := r.owner.closedOf(p.in); !errors.Is(oc.Reason, want) {
		t.Fatalf("owner's Closed reason %v, want %v", oc.Reason, want)
	}
	if oc := p.outRec.closedOf(p.out); oc.Reason == nil {
		t.Fatal("the sender's end closed with no reason")
	}
	r.owner.closedOf(p.out)
	// Only the frame before the bad header was delivered, before Closed.
	p.inRec.checkDeliveredThenClosed(t, p.in, "ping", 1, 1, 8)
	if s := r.owner.statsUntil("no connections", func(s *transport.Stats) bool { return s.Conns == 0 }); s.Listeners != 1 {
		t.Fatalf("Listeners %d, want 1", s.Listeners)
	}
}

// testReceivePause: io posts Receiveds to a peer that does not acknowledge
// them until their cost (wire bytes plus MessageOverhead per frame) reaches
// the receive limit, then stops reading; acknowledgements resume it and
// everything arrives, in order.
func testReceivePause(t *testing.T, newIO NewIO) {
	const (
		recvLimit = 64 << 10
		size      = 4000
		n         = 200 // 800 KB: many times the limit
	)
	r := newRig(t, newIO, limits{recv: recvLimit})
	p := r.pair(true, false)
	r.send(p.out, seqFrames("tx", n, size))
	s := r.owner.statsUntil("reads paused", func(s *transport.Stats) bool { return s.ReadsPaused == 1 })
	if s.InFlight == 0 {
		t.Fatalf("reads paused with nothing in flight: %+v", s)
	}
	msgs := p.inRec.waitUntil("the Receiveds in flight", func(msgs []any) bool {
		return count[*rcvd](msgs, nil) >= s.InFlight
	})
	if got := count[*rcvd](msgs, nil); got != s.InFlight {
		t.Fatalf("%d Receiveds recorded, io says %d in flight", got, s.InFlight)
	}
	cost, frames := 0, 0
	for i, m := range msgs {
		g, ok := m.(*rcvd)
		if !ok {
			continue
		}
		if cost >= recvLimit {
			t.Fatalf("Received %d posted with %d bytes already unacknowledged, limit %d", i, cost, recvLimit)
		}
		cost += g.cost
		frames += len(g.frames)
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

// testSendPause: once a connection's queued bytes pass the send limit its
// peer gets SendPaused, and SendResumed once they drain below it; nothing
// is dropped.
func testSendPause(t *testing.T, newIO NewIO) {
	const (
		sendLimit = 64 << 10
		size      = 32 << 10
	)
	r := newRig(t, newIO, limits{recv: 64 << 10, send: sendLimit})
	p := r.pair(true, false) // the accepted end's peer does not acknowledge: its io stops reading
	sent := fill(t, r, p, size)
	first(p.outRec, func(m *transport.SendPaused) bool { return m.Conn == p.out })
	p.inRec.ackHeld(true)
	first(p.outRec, func(m *transport.SendResumed) bool { return m.Conn == p.out })
	checkSeq(t, p.inRec.waitFrames(p.in, sent), "block", 0, size)
	r.owner.statsUntil("queue drained", func(s *transport.Stats) bool {
		return s.SendsPaused == 0 && s.BytesQueued == 0
	})
	// The queue may have passed the limit and drained below it more than
	// once while it filled; each pause ends with a resume.
	msgs := p.outRec.waitUntil("a SendResumed for each SendPaused", func(msgs []any) bool {
		return count[*transport.SendPaused](msgs, nil) == count[*transport.SendResumed](msgs, nil)
	})
	// They alternate, starting with SendPaused.
	want := "paused"
	for _, m := range msgs {
		switch m.(type) {
		case *transport.SendPaused:
			if want != "paused" {
				t.Fatalf("two SendPaused in a row: %s", describe(msgs))
			}
			want = "resumed"
		case *transport.SendResumed:
			if want != "resumed" {
				t.Fatalf("SendResumed without SendPaused before it: %s", describe(msgs))
			}
			want = "paused"
		}
	}
}

// fill sends frames of size on p.out, whose other end does not read, until
// io reports p.out's queue past the send limit, and returns the number
// sent. It stops early, failing the test, if the connection closes.
func fill(t *testing.T, r *rig, p *pair, size int) int {
	t.Helper()
	const maxSends = 2048 // 64 MB of 32 KB frames: more than loopback socket buffers hold
	for sent := 1; sent <= maxSends; sent++ {
		r.send(p.out, seqFrame(nil, "block", uint32(sent-1), size))
		if sent%16 != 0 {
			continue
		}
		s := r.owner.stats()
		if s.SendsPaused == 1 {
			if s.BytesQueued <= r.sendLimit {
				t.Fatalf("SendsPaused with BytesQueued %d, limit %d", s.BytesQueued, r.sendLimit)
			}
			return sent
		}
		if count(p.outRec.snapshot(), func(c *transport.Closed) bool { return c.Conn == p.out }) > 0 {
			t.Fatalf("connection closed after %d sends: %s", sent, describe(p.outRec.snapshot()))
		}
	}
	t.Fatalf("%d sends of %d bytes to a peer that reads nothing never passed the send limit", maxSends, size)
	return 0
}

// testSendTimeout: a connection whose queue holds bytes and has written
// none of them for the send timeout is closed with
// transport.ErrSendTimeout and counted.
func testSendTimeout(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{recv: 64 << 10, send: 64 << 10, sendTimeout: 300 * time.Millisecond})
	p := r.pair(true, false)
	// 16 MB: more than the socket buffers between the ends hold, so the
	// queue stops draining once they are full.
	const n, size = 512, 32 << 10
	r.sendEach(p.out, "block", n, size)
	if c := p.outRec.closedOf(p.out); !errors.Is(c.Reason, transport.ErrSendTimeout) {
		t.Fatalf("peer: reason %v, want ErrSendTimeout", c.Reason)
	}
	if c := r.owner.closedOf(p.out); !errors.Is(c.Reason, transport.ErrSendTimeout) {
		t.Fatalf("owner: reason %v, want ErrSendTimeout", c.Reason)
	}
	if s := r.owner.stats(); s.SendTimeouts != 1 {
		t.Fatalf("SendTimeouts %d, want 1", s.SendTimeouts)
	}
}

// testSendPauseBeforeAttach: bytes may be sent on a connection before it is
// attached; when its queue passed the send limit meanwhile, the peer it is
// then attached to is told SendPaused at once, and SendResumed once the
// other end reads.
func testSendPauseBeforeAttach(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{send: 64 << 10})
	d, a := r.connect(1)
	// 16 MB with neither end attached: nothing reads the accepted end.
	const n, size = 512, 32 << 10
	r.sendEach(d.Conn, "block", n, size)
	r.owner.statsUntil("the dialed end's sending paused", func(s *transport.Stats) bool { return s.SendsPaused == 1 })
	out := newRecorder(t, r.sys, r.io, true)
	r.attach(d.Conn, out)
	first(out, func(m *transport.SendPaused) bool { return m.Conn == d.Conn })
	in := newRecorder(t, r.sys, r.io, true)
	r.attach(a.Conn, in)
	checkSeq(t, in.waitFrames(a.Conn, n), "block", 0, size)
	first(out, func(m *transport.SendResumed) bool { return m.Conn == d.Conn })
}

// errTest is a Close reason.
var errTest = errors.New("iotest: closed by the test")

// testCloseFlushes: a Close writes what was queued before it, then closes:
// the other end's peer gets every frame, then Closed wrapping io.EOF; this
// end's peer and owner get Closed with the Close's reason.
func testCloseFlushes(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	const n, size = 64, 64 << 10 // 4 MB: more than one write takes
	r.sendEach(p.out, "block", n, size)
	r.close(p.out, errTest)
	if c := p.outRec.closedOf(p.out); !errors.Is(c.Reason, errTest) {
		t.Fatalf("closing end's peer: reason %v, want %v", c.Reason, errTest)
	}
	if c := r.owner.closedOf(p.out); !errors.Is(c.Reason, errTest) {
		t.Fatalf("closing end's owner: reason %v, want %v", c.Reason, errTest)
	}
	c := p.inRec.closedOf(p.in)
	if !errors.Is(c.Reason, io.EOF) {
		t.Fatalf("other end: reason %v, want io.EOF", c.Reason)
	}
	p.inRec.checkDeliveredThenClosed(t, p.in, "block", 0, n, size)
	if c := r.owner.closedOf(p.in); !errors.Is(c.Reason, io.EOF) {
		t.Fatalf("other end's owner: reason %v, want io.EOF", c.Reason)
	}
	r.owner.statsUntil("no connections", func(s *transport.Stats) bool { return s.Conns == 0 && s.BytesQueued == 0 })
}

// testCloseNoReason: a Close without a reason is reported with
// transport.ErrCloseRequested.
func testCloseNoReason(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	r.close(p.in, nil)
	if c := p.inRec.closedOf(p.in); !errors.Is(c.Reason, transport.ErrCloseRequested) {
		t.Fatalf("reason %v, want ErrCloseRequested", c.Reason)
	}
	if c := p.outRec.closedOf(p.out); !errors.Is(c.Reason, io.EOF) {
		t.Fatalf("other end: reason %v, want io.EOF", c.Reason)
	}
}

// testRemoteCloseWhilePaused: when the remote closes while this end's
// reading is paused at the receive limit, the input still held is
// delivered, once acknowledgements resume reading, before Closed.
func testRemoteCloseWhilePaused(t *testing.T, newIO NewIO) {
	_, p := heldAfterRemoteClose(t, newIO)
	p.inRec.ackHeld(true)
	c := p.inRec.closedOf(p.in)
	if !errors.Is(c.Reason, io.EOF) {
		t.Fatalf("reason %v, want io.EOF", c.Reason)
	}
	p.inRec.checkDeliveredThenClosed(t, p.in, "tx", 0, heldFrames, heldSize)
}

// Shape of heldAfterRemoteClose: 100 KB, within loopback socket buffers,
// many times the receive limit.
const (
	heldRecvLimit = 8 << 10
	heldSize      = 1000
	heldFrames    = 100
)

// heldAfterRemoteClose is a pair whose accepted end's peer does not
// acknowledge: the dialed end sends heldFrames tx frames of heldSize and
// closes, and the accepted end's reading pauses at heldRecvLimit with the
// rest of them unread.
func heldAfterRemoteClose(t *testing.T, newIO NewIO) (*rig, *pair) {
	t.Helper()
	r := newRig(t, newIO, limits{recv: heldRecvLimit})
	p := r.pair(true, false)
	r.send(p.out, seqFrames("tx", heldFrames, heldSize))
	r.close(p.out, errTest)
	p.outRec.closedOf(p.out)
	r.owner.statsUntil("reads paused", func(s *transport.Stats) bool { return s.ReadsPaused == 1 })
	return r, p
}

// testCloseWhileHeld: a Close of a connection whose reading is paused,
// after the remote closed, closes it at once with the Close's reason: what
// was held is dropped, as closing a socket drops what it did not read.
func testCloseWhileHeld(t *testing.T, newIO NewIO) {
	r, p := heldAfterRemoteClose(t, newIO)
	errHere := errors.New("iotest: closed while paused")
	r.close(p.in, errHere)
	if c := p.inRec.closedOf(p.in); !errors.Is(c.Reason, errHere) {
		t.Fatalf("peer: reason %v, want the Close's", c.Reason)
	}
	if c := r.owner.closedOf(p.in); !errors.Is(c.Reason, errHere) {
		t.Fatalf("owner: reason %v, want the Close's", c.Reason)
	}
	// The held Receiveds may still be acknowledged, harmlessly.
	p.inRec.ackHeld(true)
	r.owner.statsUntil("nothing left", func(s *transport.Stats) bool {
		return s.Conns == 0 && s.InFlight == 0 && s.ReadsPaused == 0
	})
}

// testClosedOnce: a peer that also owns its connection gets its Closed
// once.
func testClosedOnce(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	d, a := r.connect(1)
	r.attach(d.Conn, r.owner)
	r.attach(a.Conn, r.owner)
	r.close(d.Conn, errTest)
	r.owner.closedOf(d.Conn)
	r.owner.closedOf(a.Conn)
	// The Stats answer comes after anything io posted before it.
	r.owner.stats()
	msgs := r.owner.snapshot()
	for _, c := range []transport.ConnID{d.Conn, a.Conn} {
		if n := count(msgs, func(m *transport.Closed) bool { return m.Conn == c }); n != 1 {
			t.Fatalf("connection %d: %d Closed, want 1", c, n)
		}
	}
}

// testStale: Send, Attach and Close naming a connection that has closed are
// dropped and counted in Stats.Stale; a later connection is unharmed.
func testStale(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	r.close(p.out, errTest)
	p.outRec.closedOf(p.out)
	p.inRec.closedOf(p.in)
	before := r.owner.stats().Stale
	r.send(p.out, seqFrame(nil, "ping", 1, 8))
	r.close(p.out, errTest)
	late := newRecorder(t, r.sys, r.io, true)
	r.attach(p.in, late)
	s := r.owner.stats()
	if s.Stale < before+3 {
		t.Fatalf("Stale %d after a Send, a Close and an Attach on closed connections, was %d", s.Stale, before)
	}
	// Nothing is posted to the late peer: the owner has had the Closed.
	late.stats()
	if msgs := late.snapshot(); len(msgs) != 1 {
		t.Fatalf("attached to a closed connection, the peer got %s", describe(msgs))
	}
	q := r.pair(true, true)
	r.send(q.out, seqFrame(nil, "ping", 1, 8))
	checkSeq(t, q.inRec.waitFrames(q.in, 1), "ping", 1, 8)
	if q.out == p.out || q.out == p.in || q.in == p.out || q.in == p.in {
		t.Fatalf("connection ids reused: %d/%d after %d/%d", q.out, q.in, p.out, p.in)
	}
}

// testStats: the counters account for what happened.
func testStats(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	s := r.owner.stats()
	if s.Listeners != 1 || s.Conns != 0 || s.BytesRead != 0 || s.BytesWritten != 0 || s.InFlight != 0 {
		t.Fatalf("fresh io: %+v", s)
	}
	p := r.pair(true, false)
	data := seqFrames("ping", 10, 8)
	wire := uint64(len(data))
	r.send(p.out, data)
	r.send(p.in, seqFrame(nil, "pong", 1, 8))
	wire += uint64(len(seqFrame(nil, "pong", 1, 8)))
	p.outRec.waitFrames(p.out, 1)
	msgs := p.inRec.waitUntil("10 frames", func(msgs []any) bool { return len(framesOf(msgs, p.in)) == 10 })
	held := count[*rcvd](msgs, nil)
	s = r.owner.statsUntil("every byte written and read, the held Receiveds in flight", func(s *transport.Stats) bool {
		return s.BytesRead == wire && s.BytesWritten == wire && s.BytesQueued == 0 && s.InFlight == held
	})
	if s.Listeners != 1 || s.Conns != 2 || s.Accepted != 1 || s.Dialed != 1 ||
		s.BytesWritten != wire || s.BytesQueued != 0 || s.InFlight != held || s.ReadsPaused != 0 || s.SendsPaused != 0 {
		t.Fatalf("after %d bytes each way, %d Receiveds held: %+v", wire, held, s)
	}
	p.inRec.ackHeld(true)
	r.owner.statsUntil("nothing in flight", func(s *transport.Stats) bool { return s.InFlight == 0 })
	r.close(p.in, errTest)
	r.owner.closedOf(p.out)
	s = r.owner.statsUntil("no connections", func(s *transport.Stats) bool { return s.Conns == 0 })
	if s.Accepted != 1 || s.Dialed != 1 || s.Listeners != 1 {
		t.Fatalf("after close: %+v", s)
	}
}

// testStop: stopping io closes every connection, telling peers and owners
// transport.ErrStopped.
func testStop(t *testing.T, newIO NewIO) {
	r := newRig(t, newIO, limits{})
	p := r.pair(true, true)
	// Stop is a system message and overtakes queued ones: let io take the
	// Attaches first.
	r.owner.stats()
	r.stop()
	for _, c := range []struct {
		rec  *recorder
		conn transport.ConnID
	}{{p.outRec, p.out}, {p.inRec, p.in}, {r.owner, p.out}, {r.owner, p.in}} {
		if m := c.rec.closedOf(c.conn); !errors.Is(m.Reason, transport.ErrStopped) {
			t.Fatalf("connection %d: reason %v, want ErrStopped", c.conn, m.Reason)
		}
	}
}
