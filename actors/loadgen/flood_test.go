package loadgen

import (
	"errors"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// floodFigures is what one flood run measured: the node process's peak
// growth of heap in use and of resident memory over the flood, the bytes
// the flooder managed to write, and an honest peer's ping round trips
// meanwhile.
type floodFigures struct {
	heapGrowth, rssGrowth int64
	written               int64
	rtts                  []time.Duration
}

func (f floodFigures) rtt(q float64) time.Duration {
	if len(f.rtts) == 0 {
		return 0
	}
	return percentile(slices.Clone(f.rtts), q)
}

// measureFlood has one peer stream chunk at the node for d (one chunk per
// period every, or as fast as it can when every is 0), never reading,
// while another peer measures ping round trips (one every 2 ms) and the
// process's memory is sampled every 50 ms. Every loop is bounded by d.
func measureFlood(tb testing.TB, target Target, chunk []byte, d, every time.Duration) floodFigures {
	tb.Helper()
	honest, flooder := dialPair(tb, target)
	defer honest.Close()
	defer flooder.Close()

	var ms runtime.MemStats
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	heap0, rss0 := int64(ms.HeapInuse), rssKiB(tb)
	var f floodFigures
	var written atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	wg.Go(func() { stream{chunk: chunk, until: end, every: every}.writeTo(flooder, &written) })
	wg.Go(func() {
		sample := time.NewTicker(50 * time.Millisecond)
		defer sample.Stop()
		for time.Now().Before(end) {
			runtime.ReadMemStats(&ms)
			f.heapGrowth = max(f.heapGrowth, int64(ms.HeapInuse)-heap0)
			if rss, err := readRSS(os.Getpid()); err == nil {
				f.rssGrowth = max(f.rssGrowth, (rss-rss0)*1024)
			}
			<-sample.C
		}
	})
	honest.SetDeadline(end.Add(wait))
	// One ping every 2 ms, so that the honest peer samples the node's
	// latency rather than competing with the flooder for the CPU.
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		start := time.Now()
		if err := pingPong(honest, uint64(0xf100d0000+i)); err != nil {
			tb.Fatalf("round trip %d: %v", i, err)
		}
		f.rtts = append(f.rtts, time.Since(start))
	}
	wg.Wait()
	f.written = written.Load()
	return f
}

// BenchmarkUnknownCommandFlood measures, for one peer streaming empty
// frames of an unknown command at 16 MiB/s for 5 s without reading, the
// node's peak
// heap and RSS growth and an honest peer's ping round trips meanwhile.
// Run it once:
//
//	go test -run XXX -bench UnknownCommandFlood -benchtime 1x ./actors/loadgen/
func BenchmarkUnknownCommandFlood(b *testing.B) {
	_, target, _ := startNode(b, func(*node.Config, *transport.Config) {})
	for b.Loop() {
		// 64 KiB every 4 ms: 16 MiB/s, 700,000 frames a second.
		f := measureFlood(b, target, rawFlood(target.Magic, "junk"), 5*time.Second, 4*time.Millisecond)
		b.ReportMetric(float64(f.heapGrowth)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(f.rssGrowth)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(f.written)/(1<<20), "flood-MiB")
		b.ReportMetric(float64(len(f.rtts)), "pings")
		b.ReportMetric(float64(f.rtt(0.5).Microseconds()), "p50-µs")
		b.ReportMetric(float64(f.rtt(0.99).Microseconds()), "p99-µs")
	}
}

// getDataGenesis is a getdata frame asking n times for the genesis block.
func getDataGenesis(params protocol.Params, n int) []byte {
	invs := make([]protocol.InvVect, n)
	for i := range invs {
		invs[i] = protocol.InvVect{Type: protocol.InvTypeBlock, Hash: params.GenesisHash}
	}
	return protocol.AppendFrame(nil, params.Magic, &protocol.MsgGetData{InvList: invs}, protocol.ProtocolVersion)
}

// TestGetDataFloodIsBounded: a peer sends fifteen getdata of 50,000
// entries each for the genesis block and never reads. Each entry would be
// a 309-byte block message, 230 MB in all: the node serves one block per
// pass only while the peer's send queue is below the send limit, stops
// processing the peer's messages while it is over, and io then stops
// reading it at the receive limit. The process's live heap grows by a
// small multiple of the limits, and another peer keeps its round trips.
func TestGetDataFloodIsBounded(t *testing.T) {
	n, target, _ := startNode(t, func(*node.Config, *transport.Config) {})
	const limits = transport.DefaultRecvLimit + transport.DefaultSendLimit
	other, flooder := dialPair(t, target)
	roundTrips(t, other, 10)

	heapBefore, rssBefore := liveHeap(), rssKiB(t)
	frame := getDataGenesis(n.Params(), protocol.MaxInvPerMsg)
	done := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { stream{chunk: frame, total: 15 * int64(len(frame)), done: done}.writeTo(flooder, &sent) })
	defer func() { close(done); wg.Wait() }()
	s1, s2 := pausedAcross(t, n, other, 50)
	heapPeak, rssPeak := liveHeap(), rssKiB(t)
	t.Logf("flooder sent %d of %d bytes; io read %d bytes, %d queued; live heap %d -> %d; rss %d -> %d KiB",
		sent.Load(), 15*len(frame), s2.BytesRead, s2.BytesQueued, heapBefore, heapPeak, rssBefore, rssPeak)
	if s2.BytesRead-s1.BytesRead > transport.ReadBufferSize {
		t.Fatalf("io kept reading the paused flooder: %+v then %+v", s1, s2)
	}
	if s2.BytesQueued > 2*transport.DefaultSendLimit {
		t.Fatalf("send queue %d bytes, limit %d", s2.BytesQueued, transport.DefaultSendLimit)
	}
	// What the node may hold: the receive limit's worth of frames at io,
	// the decoded getdata in hand (its size on the wire), the send queue,
	// and io's pooled buffers.
	if growth := heapPeak - heapBefore; growth >= 3*limits && !raceEnabled {
		t.Fatalf("live heap grew by %d bytes, limits are %d", growth, limits)
	}
	if growth := (rssPeak - rssBefore) * 1024; growth >= 4*limits && !raceEnabled {
		t.Fatalf("rss grew by %d bytes, limits are %d", growth, limits)
	}
}

// TestFloodOfUnprocessedMessagesIsBounded: a peer streams, without
// reading, frames the node either drops unparsed (an unknown command) or
// hands to a handler (getaddr, to the address book). Each message counts
// against the peer until its handler is done, so the handler's mailbox
// holds a few of them, not millions; the live heap stays within a small
// multiple of the limits and another peer keeps its round trips.
func TestFloodOfUnprocessedMessagesIsBounded(t *testing.T) {
	for _, cmd := range []string{"junk", protocol.CmdGetAddr} {
		t.Run(cmd, func(t *testing.T) {
			_, target, _ := startNode(t, func(*node.Config, *transport.Config) {})
			const limits = transport.DefaultRecvLimit + transport.DefaultSendLimit
			other, flooder := dialPair(t, target)
			heapBefore := liveHeap()
			var written atomic.Int64
			var wg sync.WaitGroup
			end := time.Now().Add(2 * time.Second)
			wg.Go(func() { stream{chunk: rawFlood(target.Magic, cmd), until: end}.writeTo(flooder, &written) })
			roundTrips(t, other, 20)
			heapDuring := liveHeap()
			roundTrips(t, other, 20)
			wg.Wait()
			t.Logf("flooder wrote %d bytes; live heap %d -> %d", written.Load(), heapBefore, heapDuring)
			if growth := heapDuring - heapBefore; growth >= 3*limits && !raceEnabled {
				t.Fatalf("live heap grew by %d bytes, limits are %d", growth, limits)
			}
		})
	}
}

// TestUnofferedServiceDisconnects: Core disconnects a peer that asks for
// bloom filtering or the mempool without NODE_BLOOM, or for compact block
// filters without NODE_COMPACT_FILTERS, neither of which we offer.
func TestUnofferedServiceDisconnects(t *testing.T) {
	_, target, _ := startNode(t, func(*node.Config, *transport.Config) {})
	for i, msg := range []protocol.Message{
		&protocol.MsgFilterLoad{Filter: []byte{0}, HashFuncs: 1},
		&protocol.MsgFilterAdd{Data: []byte{1}},
		&protocol.MsgFilterClear{},
		&protocol.MsgMempool{},
		&protocol.MsgGetCFilters{StopHash: protocol.Hash{1}},
		&protocol.MsgGetCFHeaders{StopHash: protocol.Hash{1}},
		&protocol.MsgGetCFCheckpt{StopHash: protocol.Hash{1}},
	} {
		c, err := Dial(target, 10+i)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteRaw(protocol.AppendFrame(nil, target.Magic, msg, protocol.ProtocolVersion)); err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(wait))
		for range 100 { // the node's handshake extras, then the close
			if _, _, err = c.Next(); err != nil {
				break
			}
		}
		var ne net.Error
		if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
			t.Errorf("%s: connection still open (%v)", msg.Command(), err)
		}
		c.Close()
	}
}
