package iotest

import (
	"encoding/binary"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Magic is the message start the suite's frames carry (regtest's): Run
// sets it in the Config it hands the constructor.
const Magic uint32 = 0xDAB5BFFA

// NewIO returns the props of a fresh io actor configured by cfg: its Magic,
// RecvLimit, SendLimit, SendTimeout, CloseTimeout and V2 are set by the test
// (zero: the default), the rest is zero. It is called once per test, which
// spawns the props once, and may use t (for a logger, or a cleanup).
type NewIO func(t *testing.T, cfg transport.Config) *actor.Props

// Run runs the io contract's tests, each a subtest, against the io actors
// newIO makes.
func Run(t *testing.T, newIO NewIO) {
	tests := []struct {
		name string
		run  func(*testing.T, NewIO)
	}{
		{"ListenDialAccept", testListenDialAccept},
		{"DialRefused", testDialRefused},
		{"ListenAddressInUse", testListenInUse},
		{"FramesBothWays", testFramesBothWays},
		{"BytesBeforeAttach", testBytesBeforeAttach},
		{"LargeFrame", testLargeFrame},
		{"AnnouncedLengthNotAllocated", testAnnouncedLength},
		{"BadChecksumAndCommandDropped", testBadFramesDropped},
		{"BadMagicCloses", testBadMagic},
		{"OversizedLengthCloses", testOversized},
		{"ReceivePauseAndResume", testReceivePause},
		{"SendPausedAndResumed", testSendPause},
		{"SendPausedBeforeAttach", testSendPauseBeforeAttach},
		{"SendTimeoutCloses", testSendTimeout},
		{"CloseFlushesQueuedOutput", testCloseFlushes},
		{"CloseWithoutReason", testCloseNoReason},
		{"RemoteCloseAfterHeldInput", testRemoteCloseWhilePaused},
		{"CloseWhileInputHeld", testCloseWhileHeld},
		{"ClosedOnceToPeerThatOwns", testClosedOnce},
		{"StaleMessagesCounted", testStale},
		{"UndecidedCapHoldsAccepts", testUndecidedCap},
		{"InboundCapHoldsAccepts", testInboundCap},
		{"Stats", testStats},
		{"StopClosesEverything", testStop},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newIO) })
	}
}

// rig is one io actor under test, listening on loopback, with a recorder
// owning its listener and dials.
type rig struct {
	t       *testing.T
	sys     *actor.ActorSystem
	io      *actor.PID
	owner   *recorder
	addr    netip.AddrPort
	stopped bool
	// sendLimit is the io's send limit.
	sendLimit int
	// tags counts the Dials made, for their Tags.
	tags uint64
}

// limits are the Config fields a test may set.
type limits struct {
	recv, send  int
	sendTimeout time.Duration
	// v2 sets Config.V2: accepted connections may speak BIP324.
	v2 bool
}

func newRig(t *testing.T, newIO NewIO, lim limits) *rig {
	t.Helper()
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.DiscardHandler)
		}),
		// Its dead-letter throttle keeps a goroutine per interval: keep it
		// short so leak checks see it end.
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond),
	)
	t.Cleanup(sys.Shutdown)
	cfg := transport.Config{Magic: Magic, RecvLimit: lim.recv, SendLimit: lim.send,
		SendTimeout: lim.sendTimeout, CloseTimeout: waitFor, V2: lim.v2}
	r := &rig{t: t, sys: sys, sendLimit: lim.send}
	if r.sendLimit == 0 {
		r.sendLimit = transport.DefaultSendLimit
	}
	r.io = sys.Root.Spawn(newIO(t, cfg))
	t.Cleanup(func() {
		if !r.stopped {
			if err := sys.Root.StopFuture(r.io).Wait(); err != nil {
				t.Errorf("stop io: %v", err)
			}
		}
	})
	r.owner = newRecorder(t, sys, r.io, true)
	sys.Root.Send(r.io, &transport.Listen{Addr: netip.MustParseAddrPort("127.0.0.1:0"), Owner: r.owner.pid})
	l := first[*transport.Listening](r.owner, nil)
	if l.Err != nil || l.Addr.Port() == 0 || l.Addr.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("Listening %+v, want 127.0.0.1 and a port", l)
	}
	r.addr = l.Addr
	return r
}

// pair is one connection of the rig's io to itself: out is the dialed end,
// in the accepted one, each attached to its own recorder.
type pair struct {
	out, in       transport.ConnID
	outRec, inRec *recorder
	dialed        *transport.Dialed
	accepted      *transport.Accepted
}

// connect dials the rig's listener and waits for both ends, unattached.
func (r *rig) connect(tag uint64) (*transport.Dialed, *transport.Accepted) {
	r.t.Helper()
	r.sys.Root.Send(r.io, &transport.Dial{Tag: tag, Addr: r.addr, Timeout: waitFor, Owner: r.owner.pid})
	d := first(r.owner, func(d *transport.Dialed) bool { return d.Tag == tag })
	if d.Err != nil {
		r.t.Fatalf("dial %v: %v", r.addr, d.Err)
	}
	a := first(r.owner, func(a *transport.Accepted) bool { return a.Remote == d.Local })
	return d, a
}

// pair connects and attaches both ends: ackOut and ackIn say whether each
// end's recorder acknowledges what it receives at once.
func (r *rig) pair(ackOut, ackIn bool) *pair {
	r.t.Helper()
	r.tags++
	d, a := r.connect(1000 + r.tags)
	p := &pair{out: d.Conn, in: a.Conn, dialed: d, accepted: a,
		outRec: newRecorder(r.t, r.sys, r.io, ackOut), inRec: newRecorder(r.t, r.sys, r.io, ackIn)}
	r.attach(p.out, p.outRec)
	r.attach(p.in, p.inRec)
	return p
}

func (r *rig) attach(c transport.ConnID, rec *recorder) {
	r.sys.Root.Send(r.io, &transport.Attach{Conn: c, Peer: rec.pid})
}

func (r *rig) send(c transport.ConnID, data []byte) {
	r.sys.Root.Send(r.io, &transport.Send{Conn: c, Data: data})
}

func (r *rig) close(c transport.ConnID, reason error) {
	r.sys.Root.Send(r.io, &transport.Close{Conn: c, Reason: reason})
}

// stop stops the io actor and waits.
func (r *rig) stop() {
	r.t.Helper()
	r.stopped = true
	if err := r.sys.Root.StopFuture(r.io).Wait(); err != nil {
		r.t.Fatalf("stop io: %v", err)
	}
}

// seqFrame is a frame whose payload of size n (at least 4) starts with seq
// and repeats its low byte.
func seqFrame(dst []byte, cmd string, seq uint32, n int) []byte {
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = byte(seq)
	}
	binary.LittleEndian.PutUint32(payload, seq)
	return protocol.AppendRawFrame(dst, Magic, cmd, payload)
}

// seqFrames is n seq frames of cmd, seq 0 to n-1, each of size bytes, in
// one buffer.
func seqFrames(cmd string, n, size int) []byte {
	var b []byte
	for i := range n {
		b = seqFrame(b, cmd, uint32(i), size)
	}
	return b
}

// sendEach sends n seq frames of cmd, seq 0 to n-1, each of size bytes, on
// c: one Send a frame.
func (r *rig) sendEach(c transport.ConnID, cmd string, n, size int) {
	for i := range n {
		r.send(c, seqFrame(nil, cmd, uint32(i), size))
	}
}

// checkSeq fails unless frames are seq frames first, first+1, ... of size n.
func checkSeq(t *testing.T, frames []transport.Frame, cmd string, first uint32, n int) {
	t.Helper()
	for i, f := range frames {
		want := first + uint32(i)
		if f.Command != cmd || len(f.Payload) != n || binary.LittleEndian.Uint32(f.Payload) != want ||
			f.Payload[n-1] != byte(want) {
			t.Fatalf("frame %d: %q with %d bytes (seq %d), want %q seq %d with %d bytes",
				i, f.Command, len(f.Payload), binary.LittleEndian.Uint32(f.Payload), cmd, want, n)
		}
	}
}
