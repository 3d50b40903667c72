package headerstore_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// BenchmarkLoad measures loading a store of a million regtest headers
// (written in the setup, 2000 per append): "records" reads and checks the
// records only; "index" also restores each header into an index sized for
// them, which checks every consensus rule again, and reports the heap the
// index then holds per header.
func BenchmarkLoad(b *testing.B) {
	const n = 1_000_000
	hs := regtestChain(b, n)
	dir := b.TempDir()
	s, err := headerstore.Open(dir, regtest(b).Magic)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Load(func(*protocol.BlockHeader) error { return nil }); err != nil {
		b.Fatal(err)
	}
	for rest := hs; len(rest) > 0; {
		k := min(len(rest), headerchain.MaxHeadersResults)
		if err := appendFlush(s, rest[:k]); err != nil {
			b.Fatal(err)
		}
		rest = rest[k:]
	}
	s.Close()
	hs = nil

	b.Run("records", func(b *testing.B) {
		cpu0 := cpuTime(b)
		for b.Loop() {
			s, err := headerstore.Open(dir, regtest(b).Magic)
			if err != nil {
				b.Fatal(err)
			}
			st, err := s.Load(func(*protocol.BlockHeader) error { return nil })
			if err != nil || st.Records != n {
				b.Fatalf("%+v %v", st, err)
			}
			s.Close()
		}
		reportSpeed(b, n, cpu0)
	})
	b.Run("index", func(b *testing.B) {
		cpu0 := cpuTime(b)
		for b.Loop() {
			before := heapAlloc()
			s, err := headerstore.Open(dir, regtest(b).Magic)
			if err != nil {
				b.Fatal(err)
			}
			ix, err := headerchain.New(regtest(b), headerchain.WithCapacity(n), headerchain.WithSource(s))
			if err != nil {
				b.Fatal(err)
			}
			st, err := s.Load(ix.Restore)
			if err != nil || st.Records != n || ix.Tip().Height != n {
				b.Fatalf("%+v %v", st, err)
			}
			s.Close()
			b.StopTimer()
			cpu := cpuTime(b)
			b.ReportMetric(float64(heapAlloc()-before)/float64(ix.Len()), "index-bytes/header")
			runtime.KeepAlive(ix)
			cpu0 += cpuTime(b) - cpu // the measuring GCs are not the load's
			b.StartTimer()
		}
		reportSpeed(b, n, cpu0)
	})
}

// reportSpeed reports headers per second of wall time and of this
// process's CPU time since cpu0: on a shared machine the first overstates
// the cost.
func reportSpeed(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "headers/s")
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "headers/cpu-s")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/load")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
