package loadgen

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/transport"
)

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
	other, flooder := dialPair(t, target)
	roundTrips(t, other, 10)

	heapBefore, before := liveHeap(), rssKiB(t)
	done := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		stream{chunk: pingFlood(target.Magic), total: 100 << 20, done: done}.writeTo(flooder, &written)
	})
	// Paused: a few more polls must not see io read more of it.
	s1, s2 := pausedAcross(t, n, other, 50)
	// Measured after a collection that returns freed memory to the
	// system: what the node holds while paused, not the garbage of the
	// flood's first megabytes waiting for the collector (GOGC lets that
	// reach the live heap again).
	heapPeak, peak := liveHeap(), rssKiB(t)
	if f := os.Getenv("LOADGEN_HEAPPROF"); f != "" {
		fh, _ := os.Create(f)
		pprof.WriteHeapProfile(fh)
		fh.Close()
	}
	close(done)
	wg.Wait()
	t.Logf("flooder wrote %d MB before the node stopped reading; io read %d bytes; rss %d -> %d KiB; heap %d -> %d; queued %d",
		written.Load()>>20, s2.BytesRead, before, peak, heapBefore, heapPeak, s2.BytesQueued)
	if s2.ReadsPaused != 1 || s2.BytesRead-s1.BytesRead > 64<<10 {
		t.Fatalf("io kept reading the paused flooder: %+v then %+v", s1, s2)
	}
	if growth := (peak - before) * 1024; growth >= 2*limits && !raceEnabled {
		t.Fatalf("rss grew by %d bytes, limits are %d", growth, limits)
	}
	if growth := heapPeak - heapBefore; growth >= 2*limits && !raceEnabled {
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
	other, deaf := dialPair(t, target)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { stream{chunk: pingFlood(target.Magic), total: 100 << 20, done: done}.writeTo(deaf, nil) })
	defer func() { close(done); wg.Wait() }()
	waitIO(t, n, "the deaf peer's sending paused", func(s *transport.Stats) bool { return s.SendsPaused == 1 })
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
	waitIO(t, n, "the deaf peer disconnected", func(s *transport.Stats) bool { return s.SendTimeouts == 1 })
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
