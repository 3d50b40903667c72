package loadgen

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
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

// This file holds what the load tests share: a node to load, the floods
// they write at it, and the questions they ask of it meanwhile.

const wait = 20 * time.Second

// regtestConfig is a regtest node's configuration listening on 127.0.0.1
// (a free port) with no outbound slots, no discovery of any kind and no
// debug endpoint: it talks only to the test's connections.
func regtestConfig(tb testing.TB) node.Config {
	cfg := node.DefaultConfig()
	cfg.Network = "regtest"
	cfg.DataDir = tb.TempDir()
	cfg.Bind = []string{"127.0.0.1:0"}
	cfg.DNSSeed, cfg.FixedSeeds, cfg.Discover, cfg.NATPMP, cfg.UPnP = false, false, false, false, false
	cfg.DebugAddr = "off"
	cfg.MaxOutbound = 0
	return cfg
}

// runNode starts a node with cfg and opts, stopped when the test ends, and
// returns it with the target its first listening address makes.
func runNode(tb testing.TB, cfg node.Config, opts ...node.Option) (*node.Node, Target) {
	tb.Helper()
	n, err := node.New(cfg, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Stop(context.Background()) })
	addrs := n.ListenAddrs()
	if len(addrs) == 0 {
		tb.Fatal("node not listening")
	}
	return n, Target{Addr: addrs[0], Magic: n.Params().Magic, Timeout: wait}
}

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

// startNode runs a regtest node (regtestConfig), with the configuration and
// io's send timeout and limit adjusted by tweak, logging into an observer
// at Info and, for connmgr, at Debug (where inbound connections' lives are
// logged, as in Core).
func startNode(tb testing.TB, tweak func(*node.Config, *transport.Config)) (*node.Node, Target, *observer.ObservedLogs) {
	tb.Helper()
	cfg := regtestConfig(tb)
	var iocfg transport.Config
	tweak(&cfg, &iocfg)
	core, logs := observer.New(zapcore.DebugLevel)
	n, target := runNode(tb, cfg, node.WithLogger(zap.New(connmgrDebug{core})),
		node.WithIO(func(c transport.Config) *actor.Props {
			if iocfg.SendTimeout > 0 {
				c.SendTimeout = iocfg.SendTimeout
			}
			if iocfg.SendLimit > 0 {
				c.SendLimit = iocfg.SendLimit
			}
			return transport.Props(c)
		}))
	return n, target, logs
}

// startQuietNode runs a regtest node (regtestConfig) with
// -maxconnections=maxConns and no log: the production path, where inbound
// connections' lives are not logged.
func startQuietNode(tb testing.TB, maxConns int) (*node.Node, Target) {
	tb.Helper()
	cfg := regtestConfig(tb)
	cfg.MaxConnections = maxConns
	return runNode(tb, cfg, node.WithLogger(zap.NewNop()))
}

// dialPair connects two peers to target, from its first and second source
// addresses, each closed when the test ends: one that behaves and one that
// floods.
func dialPair(tb testing.TB, target Target) (honest, flooder *Conn) {
	tb.Helper()
	honest, err := Dial(target, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { honest.Close() })
	flooder, err = Dial(target, 2)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { flooder.Close() })
	return honest, flooder
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

// waitIO waits until io's counters satisfy cond, failing after wait.
func waitIO(t *testing.T, n *node.Node, what string, cond func(*transport.Stats) bool) {
	t.Helper()
	eventually(t, what, func() bool { return cond(ioStats(t, n)) })
}

// pausedAcross waits until io has paused the one flooding peer both ways
// (no more reading from it, no more sending to it), then returns io's
// counters before and after honest's trips round trips: between the two,
// io must not have read more of the flooder.
func pausedAcross(t *testing.T, n *node.Node, honest *Conn, trips int) (before, after *transport.Stats) {
	t.Helper()
	waitIO(t, n, "the flooder paused both ways", func(s *transport.Stats) bool {
		return s.ReadsPaused == 1 && s.SendsPaused == 1
	})
	before = ioStats(t, n)
	roundTrips(t, honest, trips)
	return before, ioStats(t, n)
}

// rawFlood is 64 KiB of empty frames of command cmd.
func rawFlood(magic uint32, cmd string) []byte {
	var b []byte
	for len(b) < 64<<10 {
		b = protocol.AppendRawFrame(b, magic, cmd, nil)
	}
	return b
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

// stream is a flood: chunk (whole frames) written over and over, never
// reading, until one of its bounds is reached. At least one bound is set.
type stream struct {
	chunk []byte
	total int64           // bytes to write in all; 0: no such bound
	until time.Time       // when to stop; zero: no such bound
	done  <-chan struct{} // stop once closed; nil: no such bound
	every time.Duration   // at most one chunk per period; 0: as fast as the node reads
}

// writeTo writes s to c, adding what it wrote to written (if not nil),
// until one of s's bounds is reached or a write fails for anything but its
// deadline. Each write has a 100 ms deadline, so that the bounds are
// checked while the node does not read.
func (s stream) writeTo(c *Conn, written *atomic.Int64) {
	if s.total == 0 && s.until.IsZero() && s.done == nil {
		panic("stream without a bound")
	}
	var tick <-chan time.Time
	if s.every > 0 {
		t := time.NewTicker(s.every)
		defer t.Stop()
		tick = t.C
	}
	var sent int64
	off := 0
	for (s.total == 0 || sent < s.total) && (s.until.IsZero() || time.Now().Before(s.until)) {
		if tick != nil && off == 0 {
			<-tick
		}
		select {
		case <-s.done:
			return
		default:
		}
		c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		// A write cut by the deadline may have sent part of the chunk: go
		// on from there, or the stream loses its framing.
		n, err := c.nc.Write(s.chunk[off:])
		off = (off + n) % len(s.chunk)
		sent += int64(n)
		if written != nil {
			written.Add(int64(n))
		}
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			return
		}
	}
}

// pingPong sends c a ping carrying nonce and reads until the matching
// pong, within c's deadline.
func pingPong(c *Conn, nonce uint64) error {
	if err := c.SendPing(nonce); err != nil {
		return err
	}
	for {
		cmd, payload, err := c.Next()
		if err != nil {
			return err
		}
		if cmd == protocol.CmdPong && leUint64(payload) == nonce {
			return nil
		}
	}
}

// roundTrips checks that c gets n pongs for its pings.
func roundTrips(t *testing.T, c *Conn, n int) {
	t.Helper()
	c.SetDeadline(time.Now().Add(wait))
	for i := range n {
		if err := pingPong(c, uint64(0xabc0000+i)); err != nil {
			t.Fatalf("round trip %d: %v", i, err)
		}
	}
}

// liveHeap is the heap in use after a collection that returns freed memory
// to the system: what the process holds, not garbage waiting for the
// collector.
func liveHeap() int64 {
	var ms runtime.MemStats
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// rssKiB is the process's resident memory in KiB.
func rssKiB(tb testing.TB) int64 {
	tb.Helper()
	v, err := readRSS(os.Getpid())
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
