package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

// rig is an io actor with a listener owned by a probe.
type rig struct {
	t     *testing.T
	sys   *actor.ActorSystem
	io    *actor.PID
	owner *probe // owns the listener and the dials
	addr  netip.AddrPort
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	sys := newSystem(t)
	cfg.Magic = testMagic
	cfg.Logger = zaptest.NewLogger(t)
	r := &rig{t: t, sys: sys}
	r.io = spawnIO(t, sys, cfg)
	r.owner = newProbe(t, sys, r.io, true)
	sys.Root.Send(r.io, &Listen{Addr: loopback, Owner: r.owner.pid})
	l := expect[*Listening](r.owner)
	if l.Err != nil || l.Addr.Port() == 0 || !l.Addr.Addr().IsLoopback() {
		t.Fatalf("listening: %+v", l)
	}
	r.addr = l.Addr
	return r
}

// acceptPlain connects a net.Conn to the rig's listener and attaches the
// accepted connection to a new probe.
func (r *rig) acceptPlain(ack bool) (net.Conn, ConnID, *probe) {
	r.t.Helper()
	return r.acceptWith(&net.Dialer{Timeout: waitFor}, ack)
}

// acceptWith is acceptPlain with the client dialed by d.
func (r *rig) acceptWith(d *net.Dialer, ack bool) (net.Conn, ConnID, *probe) {
	r.t.Helper()
	nc, err := d.Dial("tcp", r.addr.String())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { nc.Close() })
	acc := expect[*Accepted](r.owner)
	if acc.Remote.String() != nc.LocalAddr().String() || acc.Local != r.addr {
		r.t.Fatalf("accepted %+v, client at %v", acc, nc.LocalAddr())
	}
	p := newProbe(r.t, r.sys, r.io, ack)
	r.sys.Root.Send(r.io, &Attach{Conn: acc.Conn, Peer: p.pid})
	return nc, acc.Conn, p
}

func (r *rig) send(c ConnID, data []byte) {
	r.sys.Root.Send(r.io, &Send{Conn: c, Data: data})
}

// expectFrames collects Receiveds of conn until n frames arrived.
func expectFrames(p *probe, c ConnID, n int) []Frame {
	p.t.Helper()
	var frames []Frame
	for len(frames) < n {
		g := expectWhere(p, func(g *got) bool { return g.Conn == c })
		frames = append(frames, g.Frames...)
	}
	if len(frames) != n {
		p.t.Fatalf("got %d frames, want %d", len(frames), n)
	}
	return frames
}

func readFull(t *testing.T, nc net.Conn, n int) []byte {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(waitFor))
	b := make([]byte, n)
	if _, err := io.ReadFull(nc, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

func TestListenAndDialSameIO(t *testing.T) {
	r := newRig(t, Config{})
	r.sys.Root.Send(r.io, &Dial{Tag: 7, Addr: r.addr, Timeout: waitFor, Owner: r.owner.pid})
	d := expect[*Dialed](r.owner)
	acc := expect[*Accepted](r.owner)
	if d.Err != nil || d.Tag != 7 || d.Addr != r.addr || d.Conn == 0 || d.Local != acc.Remote {
		t.Fatalf("dialed %+v, accepted %+v", d, acc)
	}
	if d.Conn == acc.Conn {
		t.Fatal("both ends have one ConnID")
	}
	out, in := newProbe(t, r.sys, r.io, true), newProbe(t, r.sys, r.io, true)
	// Bytes sent before Attach wait in the socket and are read after it.
	r.send(d.Conn, frame("ping", []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	r.sys.Root.Send(r.io, &Attach{Conn: d.Conn, Peer: out.pid})
	r.sys.Root.Send(r.io, &Attach{Conn: acc.Conn, Peer: in.pid})
	sameFrames(t, expectFrames(in, acc.Conn, 1), []Frame{{Command: "ping", Payload: []byte{1, 2, 3, 4, 5, 6, 7, 8}}})
	r.send(acc.Conn, frame("pong", []byte{8, 7, 6, 5, 4, 3, 2, 1}))
	sameFrames(t, expectFrames(out, d.Conn, 1), []Frame{{Command: "pong", Payload: []byte{8, 7, 6, 5, 4, 3, 2, 1}}})

	// Closing one end: its peer and owner hear the reason, the other end EOF.
	reason := errors.New("test is done")
	r.sys.Root.Send(r.io, &Close{Conn: d.Conn, Reason: reason})
	if c := expect[*Closed](out); c.Conn != d.Conn || c.Reason != reason {
		t.Fatalf("peer got %+v", c)
	}
	if c := expectWhere(r.owner, func(c *Closed) bool { return c.Conn == d.Conn }); c.Reason != reason {
		t.Fatalf("owner got %+v", c)
	}
	if c := expect[*Closed](in); c.Conn != acc.Conn || !errors.Is(c.Reason, io.EOF) {
		t.Fatalf("other end got %+v", c)
	}
	expectWhere(r.owner, func(c *Closed) bool { return c.Conn == acc.Conn })
	if s := r.owner.stats(); s.Conns != 0 || s.Listeners != 1 || s.InFlight != 0 || s.Dialed != 1 || s.Accepted != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFramesInEveryChunkSize(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	in, want := stream()
	for n := 1; n <= len(in); n += 1 + n/16 {
		for off := 0; off < len(in); off += n {
			if _, err := nc.Write(in[off:min(off+n, len(in))]); err != nil {
				t.Fatal(err)
			}
		}
		sameFrames(t, expectFrames(p, c, len(want)), want)
	}
	// And back: io writes what it is sent, in order.
	for i := range 50 {
		r.send(c, frame("ping", []byte{byte(i), 0, 0, 0, 0, 0, 0, 0}))
	}
	for i := range 50 {
		if b := readFull(t, nc, 32); b[24] != byte(i) {
			t.Fatalf("frame %d: got %x", i, b)
		}
	}
}

func TestLargeFrame(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	big := make([]byte, 3*ReadBufferSize+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	in := append(frame("ping", make([]byte, 8)), frame("block", big)...)
	in = append(in, frame("pong", make([]byte, 8))...)
	for off := 0; off < len(in); off += 5000 {
		if _, err := nc.Write(in[off:min(off+5000, len(in))]); err != nil {
			t.Fatal(err)
		}
	}
	sameFrames(t, expectFrames(p, c, 3), []Frame{
		{Command: "ping", Payload: make([]byte, 8)},
		{Command: "block", Payload: big},
		{Command: "pong", Payload: make([]byte, 8)},
	})
}

func TestWrongMagicClosesOnlyThatConnection(t *testing.T) {
	r := newRig(t, Config{})
	bad, badID, badPeer := r.acceptPlain(true)
	good, goodID, goodPeer := r.acceptPlain(true)
	in := append(frame("ping", make([]byte, 8)), protocol.AppendRawFrame(nil, testMagic^1, "ping", make([]byte, 8))...)
	bad.Write(in)
	expectFrames(badPeer, badID, 1) // the good frame before the bad header still arrives
	if c := expect[*Closed](badPeer); c.Conn != badID || !errors.Is(c.Reason, protocol.ErrBadMagic) {
		t.Fatalf("closed %+v", c)
	}
	expectWhere(r.owner, func(c *Closed) bool { return c.Conn == badID })
	good.Write(frame("ping", make([]byte, 8)))
	expectFrames(goodPeer, goodID, 1)
	if has[*Closed](goodPeer) {
		t.Fatal("the good connection was closed")
	}
	bad.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Fatal("the bad connection is still open")
	}
}

func TestOversizedLengthCloses(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	hdr := frame("block", nil)
	hdr[16], hdr[17], hdr[18], hdr[19] = 0x01, 0x09, 0x3d, 0x00 // 4,000,001
	nc.Write(hdr)
	if cl := expect[*Closed](p); cl.Conn != c || !errors.Is(cl.Reason, protocol.ErrPayloadTooLarge) {
		t.Fatalf("closed %+v", cl)
	}
}

func TestBadChecksumDropsFrame(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	bad := frame("ping", []byte{1, 1, 1, 1, 1, 1, 1, 1})
	bad[20] ^= 0xff
	nc.Write(bad)
	nc.Write(frame("pong", []byte{2, 2, 2, 2, 2, 2, 2, 2}))
	sameFrames(t, expectFrames(p, c, 1), []Frame{{Command: "pong", Payload: []byte{2, 2, 2, 2, 2, 2, 2, 2}}})
	if s := r.owner.stats(); s.BadChecksums != 1 || s.Conns != 1 {
		t.Fatalf("stats %+v", s)
	}
	if has[*Closed](p) {
		t.Fatal("closed on a bad checksum")
	}
}

func TestReceiveLimitPausesReading(t *testing.T) {
	const limit = 2000
	r := newRig(t, Config{RecvLimit: limit})
	nc, c, p := r.acceptPlain(false)
	const total = 40
	var in []byte
	for i := range total {
		in = append(in, frame("tx", bytes.Repeat([]byte{byte(i)}, 200))...)
	}
	nc.Write(in) // 9 KiB: fits in the socket buffers, io may read it all at once

	// io posts until the unacknowledged cost reaches the limit, then stops.
	var held []*got
	cost := 0
	for cost < limit {
		g := expectWhere(p, func(g *got) bool { return g.Conn == c })
		held = append(held, g)
		cost += g.Size + MessageOverhead*len(g.Frames)
	}
	s := r.owner.stats()
	if s.ReadsPaused != 1 || s.InFlight != len(held) {
		t.Fatalf("after %d bytes posted: stats %+v", cost, s)
	}
	// While paused nothing more is read: the counters stay put across
	// several loop turns.
	for range 5 {
		if s2 := r.owner.stats(); s2.BytesRead != s.BytesRead || has[*got](p) {
			t.Fatalf("read while paused: %+v then %+v", s, s2)
		}
	}
	frames := 0
	for _, g := range held {
		frames += len(g.Frames)
	}
	// Acknowledging resumes; acknowledging as we go lets the rest through.
	for _, g := range held {
		r.sys.Root.Send(r.io, &Send{Conn: c, Ack: g.rcv})
	}
	for frames < total {
		g := expectWhere(p, func(g *got) bool { return g.Conn == c })
		frames += len(g.Frames)
		r.sys.Root.Send(r.io, &Send{Conn: c, Ack: g.rcv})
	}
	if frames != total {
		t.Fatalf("got %d frames, want %d", frames, total)
	}
	if s := r.owner.stats(); s.ReadsPaused != 0 || s.InFlight != 0 || s.BytesRead != uint64(len(in)) {
		t.Fatalf("stats %+v", s)
	}
}

func TestSendLimitPausesAndResumes(t *testing.T) {
	const limit = 100_000
	r := newRig(t, Config{SendLimit: limit})
	// A small receive buffer on the remote, set before connecting, keeps
	// the kernel from absorbing the whole test.
	nc, c, p := r.acceptWith(&net.Dialer{Timeout: waitFor, Control: smallRcvBuf}, true)
	// Far more than the socket buffers hold while the remote does not read.
	chunk := frame("block", bytes.Repeat([]byte{0x5a}, 500_000))
	const chunks = 20
	for range chunks {
		r.send(c, append([]byte{}, chunk...))
	}
	// The kernel takes what fits in the socket buffers (the queue may dip
	// below the limit and rise again meanwhile); the rest stays queued
	// while the remote does not read, and the peer is paused.
	r.owner.stats()
	if s := r.owner.stats(); s.SendsPaused != 1 || s.BytesQueued <= limit {
		t.Fatalf("remote not reading: stats %+v", s)
	}
	got := readFull(t, nc, chunks*len(chunk))
	for i := range chunks {
		if !bytes.Equal(got[i*len(chunk):(i+1)*len(chunk)], chunk) {
			t.Fatalf("chunk %d differs", i)
		}
	}
	if s := r.owner.stats(); s.BytesQueued != 0 || s.SendsPaused != 0 {
		t.Fatalf("after reading: stats %+v", s)
	}
	// Every pause was followed by a resume, in order.
	paused := 0
	for {
		m, ok := p.take(func(m any) bool {
			switch m := m.(type) {
			case *SendPaused:
				return m.Conn == c
			case *SendResumed:
				return m.Conn == c
			}
			return false
		})
		if !ok {
			break
		}
		switch m.(type) {
		case *SendPaused:
			paused++
			if paused != 1 {
				t.Fatal("paused twice in a row")
			}
		case *SendResumed:
			paused--
			if paused != 0 {
				t.Fatal("resumed while not paused")
			}
		}
	}
	if paused != 0 {
		t.Fatal("still paused after the queue drained")
	}
}

func TestDialRefused(t *testing.T) {
	r := newRig(t, Config{})
	// A port that was just listened on and closed: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	r.sys.Root.Send(r.io, &Dial{Tag: 1, Addr: addr, Timeout: waitFor, Owner: r.owner.pid})
	if d := expect[*Dialed](r.owner); d.Err == nil || d.Tag != 1 || d.Conn != 0 {
		t.Fatalf("dialed %+v", d)
	}
}

func TestDialTimeout(t *testing.T) {
	r := newRig(t, Config{})
	// A listener that never accepts, with the smallest backlog: once its
	// queue is full the kernel drops new SYNs and connects hang.
	full := fullListener(t)
	timedOut := false
	for i := range 8 {
		r.sys.Root.Send(r.io, &Dial{Tag: uint64(i), Addr: full, Timeout: 200 * time.Millisecond, Owner: r.owner.pid})
		d := expectWhere(r.owner, func(d *Dialed) bool { return d.Tag == uint64(i) })
		if errors.Is(d.Err, ErrDialTimeout) {
			timedOut = true
			break
		}
		if d.Err != nil {
			t.Fatalf("dial %d: %v", i, d.Err)
		}
	}
	if !timedOut {
		t.Fatal("no dial timed out against a full backlog")
	}
}

func TestCloseFlushesThenReports(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	data := frame("block", bytes.Repeat([]byte{0x33}, 3_000_000))
	r.send(c, data)
	reason := errors.New("enough")
	r.sys.Root.Send(r.io, &Close{Conn: c, Reason: reason})
	r.send(c, frame("ping", make([]byte, 8))) // after Close: dropped
	nc.SetReadDeadline(time.Now().Add(waitFor))
	all, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all, data) {
		t.Fatalf("remote read %d bytes, want the %d queued", len(all), len(data))
	}
	if cl := expect[*Closed](p); cl.Conn != c || cl.Reason != reason {
		t.Fatalf("peer got %+v", cl)
	}
	if cl := expectWhere(r.owner, func(cl *Closed) bool { return cl.Conn == c }); cl.Reason != reason {
		t.Fatalf("owner got %+v", cl)
	}
}

func TestRemoteCloseReported(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	nc.Close()
	if cl := expect[*Closed](p); cl.Conn != c || !errors.Is(cl.Reason, io.EOF) {
		t.Fatalf("closed %+v", cl)
	}
}

func TestStaleConnIDDropped(t *testing.T) {
	r := newRig(t, Config{})
	nc, c, p := r.acceptPlain(true)
	r.sys.Root.Send(r.io, &Close{Conn: c})
	if cl := expect[*Closed](p); cl.Reason != ErrCloseRequested {
		t.Fatalf("closed %+v", cl)
	}
	// A new connection may reuse the descriptor; the old id must not reach it.
	nc2, c2, p2 := r.acceptPlain(true)
	if uint32(c2) == uint32(c) && c2 == c {
		t.Fatal("ConnID reused")
	}
	r.send(c, frame("ping", make([]byte, 8)))
	r.sys.Root.Send(r.io, &Attach{Conn: c, Peer: p.pid})
	r.sys.Root.Send(r.io, &Close{Conn: c})
	r.send(c2, frame("pong", make([]byte, 8)))
	if b := readFull(t, nc2, 32); string(b[4:8]) != "pong" {
		t.Fatalf("new connection got %q", b)
	}
	if s := r.owner.stats(); s.Stale != 3 || s.Conns != 1 {
		t.Fatalf("stats %+v", s)
	}
	if has[*Closed](p2) {
		t.Fatal("the new connection was closed by a stale id")
	}
	_ = nc
}

func TestStopClosesEverything(t *testing.T) {
	sys := newSystem(t)
	pid := sys.Root.Spawn(Props(Config{Magic: testMagic, Logger: zaptest.NewLogger(t)}))
	owner := newProbe(t, sys, pid, true)
	sys.Root.Send(pid, &Listen{Addr: loopback, Owner: owner.pid})
	l := expect[*Listening](owner)
	nc, err := net.Dial("tcp", l.Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	acc := expect[*Accepted](owner)
	peer := newProbe(t, sys, pid, true)
	sys.Root.Send(pid, &Attach{Conn: acc.Conn, Peer: peer.pid})
	// Stop, a system message, overtakes queued messages: let Attach in first.
	owner.stats()
	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	if cl := expect[*Closed](peer); !errors.Is(cl.Reason, ErrStopped) {
		t.Fatalf("closed %+v", cl)
	}
	expect[*Closed](owner)
	nc.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := nc.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection open after stop")
	}
	if _, err := net.Dial("tcp", l.Addr.String()); err == nil {
		t.Fatal("listener open after stop")
	}
}

func TestListenError(t *testing.T) {
	r := newRig(t, Config{})
	r.sys.Root.Send(r.io, &Listen{Addr: r.addr, Owner: r.owner.pid})
	if l := expect[*Listening](r.owner); l.Err == nil {
		t.Fatalf("second listen on %v: %+v", r.addr, l)
	}
}
