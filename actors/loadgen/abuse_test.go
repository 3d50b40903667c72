package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

const wait = 20 * time.Second

// startNode runs a regtest node listening on 127.0.0.1 (a free port), with
// the io configuration adjusted by tweak, logging into an observer at Info
// and, for connmgr, at Debug (where inbound connections' lives are logged,
// as in Core).
// connmgrDebug passes Debug entries of connmgr's logger only: peers, which
// check whether debug lines are wanted, keep to their fast paths.
type connmgrDebug struct{ zapcore.Core }

func (c connmgrDebug) With(fields []zapcore.Field) zapcore.Core {
	return connmgrDebug{c.Core.With(fields)}
}

func (c connmgrDebug) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Level < zapcore.InfoLevel && !strings.HasSuffix(e.LoggerName, ".connmgr") {
		return ce
	}
	return c.Core.Check(e, ce)
}

func startNode(t testing.TB, tweak func(*node.Config, *transport.Config)) (*node.Node, Target, *observer.ObservedLogs) {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Network = "regtest"
	cfg.DataDir = t.TempDir()
	cfg.Bind = []string{"127.0.0.1:0"}
	cfg.DNSSeed, cfg.FixedSeeds, cfg.Discover, cfg.NATPMP, cfg.UPnP = false, false, false, false, false
	cfg.DebugAddr = "off"
	cfg.MaxOutbound = 0
	var iocfg transport.Config
	tweak(&cfg, &iocfg)
	core, logs := observer.New(zapcore.DebugLevel)
	n, err := node.New(cfg, node.WithLogger(zap.New(connmgrDebug{core})),
		node.WithIO(func(c transport.Config) *actor.Props {
			if iocfg.SendTimeout > 0 {
				c.SendTimeout = iocfg.SendTimeout
			}
			if iocfg.SendLimit > 0 {
				c.SendLimit = iocfg.SendLimit
			}
			return transport.Props(c)
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	addrs := n.ListenAddrs()
	if len(addrs) == 0 {
		t.Fatal("node not listening")
	}
	return n, Target{Addr: addrs[0], Magic: n.Params().Magic, Timeout: wait}, logs
}

// ioStats asks the node's io for its counters.
func ioStats(t *testing.T, n *node.Node) *transport.Stats {
	t.Helper()
	v, err := inspect.Ask(n.System().Root, n.IO(), func(to *actor.PID) any { return &transport.GetStats{ReplyTo: to} }, wait)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := v.(*transport.Stats)
	if !ok {
		t.Fatalf("io answered %T", v)
	}
	return s
}

// peers asks connmgr for its table.
func peers(t *testing.T, n *node.Node) []connmgr.PeerEntry {
	t.Helper()
	v, err := inspect.Ask(n.System().Root, n.ConnMgr(), func(to *actor.PID) any { return &connmgr.GetPeers{ReplyTo: to} }, wait)
	if err != nil {
		t.Fatal(err)
	}
	return v.(*connmgr.Peers).List
}

// eventually waits until cond holds, failing after wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	actortest.Eventually(t, wait, what, cond)
}

// pingFlood is 64 KiB of ping frames.
func pingFlood(magic uint32) []byte {
	var b []byte
	var nonce [8]byte
	for i := 0; len(b) < 64<<10; i++ {
		nonce[0], nonce[1], nonce[2] = byte(i), byte(i>>8), 1
		b = protocol.AppendRawFrame(b, magic, protocol.CmdPing, nonce[:])
	}
	return b
}

// flood writes up to total bytes of pings to c, without reading, until
// done is closed or the writes fail; it returns the bytes written.
func flood(c *Conn, magic uint32, total int, done <-chan struct{}) int {
	chunk := pingFlood(magic)
	written, off := 0, 0
	for written < total {
		select {
		case <-done:
			return written
		default:
		}
		c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		// A write cut by the deadline may have sent part of the chunk:
		// go on from there, or the stream loses its framing.
		n, err := c.nc.Write(chunk[off:])
		written += n
		off = (off + n) % len(chunk)
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			return written
		}
	}
	return written
}

// roundTrips checks that c gets n pongs for its pings.
func roundTrips(t *testing.T, c *Conn, n int) {
	t.Helper()
	c.SetDeadline(time.Now().Add(wait))
	for i := range n {
		nonce := uint64(0xabc0000 + i)
		if err := c.SendPing(nonce); err != nil {
			t.Fatal(err)
		}
		for {
			cmd, payload, err := c.Next()
			if err != nil {
				t.Fatalf("round trip %d: %v", i, err)
			}
			if cmd == protocol.CmdPong && leUint64(payload) == nonce {
				break
			}
		}
	}
}

func rssKiB(t *testing.T) int64 {
	t.Helper()
	v, err := readRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFloodWithoutReadingIsBounded: a peer streams pings (up to 100 MB)
// without reading its pongs. Its pongs fill the send queue, the peer is
// paused, the batches it holds reach the receive limit and io stops reading
// it; the process's memory grows by less than twice the limits, and another
// peer keeps its round trips meanwhile.
func TestFloodWithoutReadingIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams up to 100 MB")
	}
	n, target, _ := startNode(t, func(*node.Config, *transport.Config) {})
	const limits = transport.DefaultRecvLimit + transport.DefaultSendLimit
	other, err := Dial(target, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	flooder, err := Dial(target, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer flooder.Close()
	roundTrips(t, other, 10)

	var ms runtime.MemStats
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	before, heapBefore := rssKiB(t), ms.HeapAlloc
	done := make(chan struct{})
	var written int
	var wg sync.WaitGroup
	wg.Go(func() { written = flood(flooder, target.Magic, 100<<20, done) })
	eventually(t, "the flooder's reading paused", func() bool {
		s := ioStats(t, n)
		return s.ReadsPaused == 1 && s.SendsPaused == 1
	})
	// Paused: a few more polls must not see io read more of it.
	s1 := ioStats(t, n)
	roundTrips(t, other, 50)
	s2 := ioStats(t, n)
	// Measured after a collection that returns freed memory to the
	// system: what the node holds while paused, not the garbage of the
	// flood's first megabytes waiting for the collector (GOGC lets that
	// reach the live heap again).
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	peak, heapPeak := rssKiB(t), ms.HeapAlloc
	if f := os.Getenv("LOADGEN_HEAPPROF"); f != "" {
		fh, _ := os.Create(f)
		pprof.WriteHeapProfile(fh)
		fh.Close()
	}
	close(done)
	wg.Wait()
	t.Logf("flooder wrote %d MB before the node stopped reading; io read %d bytes; rss %d -> %d KiB; heap %d -> %d; queued %d",
		written>>20, s2.BytesRead, before, peak, heapBefore, heapPeak, s2.BytesQueued)
	if s2.ReadsPaused != 1 || s2.BytesRead-s1.BytesRead > 64<<10 {
		t.Fatalf("io kept reading the paused flooder: %+v then %+v", s1, s2)
	}
	if growth := (peak - before) * 1024; growth >= 2*limits && !raceEnabled {
		t.Fatalf("rss grew by %d bytes, limits are %d", growth, limits)
	}
	if growth := int64(heapPeak) - int64(heapBefore); growth >= 2*limits && !raceEnabled {
		t.Fatalf("live heap grew by %d bytes, limits are %d", growth, limits)
	}
	if s2.BytesQueued > 2*transport.DefaultSendLimit {
		t.Fatalf("send queue %d bytes, limit %d", s2.BytesQueued, transport.DefaultSendLimit)
	}
}

// TestNeverReadingPeerTimesOut: a peer that sends but never reads stops at
// the send limit and is disconnected after the send timeout (Core's
// "socket sending timeout", shortened here), while another peer keeps its
// round trips.
func TestNeverReadingPeerTimesOut(t *testing.T) {
	const sendLimit = 200_000
	n, target, logs := startNode(t, func(_ *node.Config, io *transport.Config) {
		io.SendTimeout = 2 * time.Second
		io.SendLimit = sendLimit
	})
	other, err := Dial(target, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	deaf, err := Dial(target, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer deaf.Close()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { flood(deaf, target.Magic, 100<<20, done) })
	defer func() { close(done); wg.Wait() }()
	eventually(t, "the deaf peer's sending paused", func() bool { return ioStats(t, n).SendsPaused == 1 })
	// Once paused, the peer answers only the batches it already had: the
	// queue stays within the send limit plus what the receive limit let in.
	s1 := ioStats(t, n)
	if s1.BytesQueued > sendLimit+transport.DefaultRecvLimit {
		t.Fatalf("queued %d bytes past a send limit of %d", s1.BytesQueued, sendLimit)
	}
	roundTrips(t, other, 20)
	// The pause reaches the peer by message, so it may still answer a few
	// batches it held when io paused it: the queue stays within the same
	// bound, never growing with the flood.
	if s2 := ioStats(t, n); s2.SendTimeouts == 0 && s2.BytesQueued > sendLimit+transport.DefaultRecvLimit {
		t.Fatalf("queue kept growing while paused: %d then %d bytes", s1.BytesQueued, s2.BytesQueued)
	}
	eventually(t, "the deaf peer disconnected", func() bool { return ioStats(t, n).SendTimeouts == 1 })
	eventually(t, "connmgr forgot it", func() bool { return len(peers(t, n)) == 1 })
	roundTrips(t, other, 20)
	if logs.FilterMessage("disconnected").Len() == 0 {
		t.Fatal("no disconnect logged")
	}
}

// TestHalfOpenConnectionsLimitedAndTimedOut: connections that send
// nothing are admitted only up to the per-group limit of handshakes in
// progress; the rest are closed at accept, and the admitted ones after the
// handshake timeout.
func TestHalfOpenConnectionsLimitedAndTimedOut(t *testing.T) {
	n, target, logs := startNode(t, func(c *node.Config, _ *transport.Config) {
		c.HandshakeTimeout = time.Second
	})
	const total = 3 * connmgr.DefaultMaxHandshakingPerGroup
	var conns []net.Conn
	for i := range total {
		d := net.Dialer{Timeout: wait, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i))}}
		c, err := d.Dial("tcp", target.Addr.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	// Each ends: refused at once or closed at the handshake timeout.
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for _, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(wait))
			var b [1]byte
			if _, err := c.Read(b[:]); err == nil {
				errs <- fmt.Errorf("%v: got a byte from the node", c.LocalAddr())
			} else {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					errs <- fmt.Errorf("%v: still open", c.LocalAddr())
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	refused := logs.FilterMessage("refused inbound connection").Len()
	if refused != total-connmgr.DefaultMaxHandshakingPerGroup {
		t.Fatalf("refused %d, want %d", refused, total-connmgr.DefaultMaxHandshakingPerGroup)
	}
	eventually(t, "no peers left", func() bool { return len(peers(t, n)) == 0 })
	// With the half-open ones gone, a real peer from the same /24 gets in.
	c, err := Dial(Target{Addr: target.Addr, Magic: target.Magic, Sources: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
