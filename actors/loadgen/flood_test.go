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

// streamFor writes chunk to c over and over, without reading, for d (or
// until the writes fail), and returns the bytes written.
func streamFor(c *Conn, chunk []byte, d time.Duration, written *atomic.Int64) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := c.nc.Write(chunk)
		written.Add(int64(n))
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			return
		}
	}
}

// measureFlood has one peer stream chunk at the node for d, never reading,
// while another peer measures ping round trips (one at a time) and the
// process's memory is sampled every 50 ms. Every loop is bounded by d.
func measureFlood(tb testing.TB, target Target, chunk []byte, d time.Duration) floodFigures {
	tb.Helper()
	honest, err := Dial(target, 1)
	if err != nil {
		tb.Fatal(err)
	}
	defer honest.Close()
	flooder, err := Dial(target, 2)
	if err != nil {
		tb.Fatal(err)
	}
	defer flooder.Close()

	var ms runtime.MemStats
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	heap0, rss0 := int64(ms.HeapInuse), mustRSS(tb)
	var f floodFigures
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { streamFor(flooder, chunk, d, &written) })
	end := time.Now().Add(d)
	wg.Go(func() {
		for time.Now().Before(end) {
			runtime.ReadMemStats(&ms)
			f.heapGrowth = max(f.heapGrowth, int64(ms.HeapInuse)-heap0)
			if rss, err := readRSS(os.Getpid()); err == nil {
				f.rssGrowth = max(f.rssGrowth, (rss-rss0)*1024)
			}
			time.Sleep(50 * time.Millisecond) // the sampling period, not a wait
		}
	})
	honest.SetDeadline(end.Add(wait))
	for i := 0; time.Now().Before(end); i++ {
		nonce := uint64(0xf100d0000 + i)
		start := time.Now()
		if err := honest.SendPing(nonce); err != nil {
			tb.Fatal(err)
		}
		for {
			cmd, payload, err := honest.Next()
			if err != nil {
				tb.Fatalf("round trip %d: %v", i, err)
			}
			if cmd == protocol.CmdPong && leUint64(payload) == nonce {
				break
			}
		}
		f.rtts = append(f.rtts, time.Since(start))
	}
	wg.Wait()
	f.written = written.Load()
	return f
}

func mustRSS(tb testing.TB) int64 {
	tb.Helper()
	v, err := readRSS(os.Getpid())
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// unknownFlood is 64 KiB of empty frames of a command nobody knows.
func unknownFlood(magic uint32) []byte {
	var b []byte
	for len(b) < 64<<10 {
		b = protocol.AppendRawFrame(b, magic, "junk", nil)
	}
	return b
}

// BenchmarkUnknownCommandFlood measures, for one peer streaming empty
// frames of an unknown command for 5 s without reading, the node's peak
// heap and RSS growth and an honest peer's ping round trips meanwhile.
// Run it once:
//
//	go test -run XXX -bench UnknownCommandFlood -benchtime 1x ./actors/loadgen/
func BenchmarkUnknownCommandFlood(b *testing.B) {
	_, target, _ := startNode(b, func(*node.Config, *transport.Config) {})
	for b.Loop() {
		f := measureFlood(b, target, unknownFlood(target.Magic), 5*time.Second)
		b.ReportMetric(float64(f.heapGrowth)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(f.rssGrowth)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(f.written)/(1<<20), "flood-MiB")
		b.ReportMetric(float64(len(f.rtts)), "pings")
		b.ReportMetric(float64(f.rtt(0.5).Microseconds()), "p50-µs")
		b.ReportMetric(float64(f.rtt(0.99).Microseconds()), "p99-µs")
	}
}
