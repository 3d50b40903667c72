package headerchain

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// BenchmarkAdd measures headers verified and added per second on one
// goroutine: for each header its hash and proof of work, its link, the
// required bits, median time past, the clock and version rules, the index
// insert and the best chain update. A regtest chain's proof of work costs
// what mainnet's does to check (one double SHA-256 and a compare).
func BenchmarkAdd(b *testing.B) {
	const n = 100_000
	_, p, m := regtestIndex(b)
	g, _ := p.GenesisHeader()
	hs := m.chain(p.GenesisHash, g.Timestamp, n)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		ix, err := New(p, WithCapacity(n))
		if err != nil {
			b.Fatal(err)
		}
		for rest := hs; len(rest) > 0; {
			k := min(len(rest), MaxHeadersResults)
			if _, err := ix.Add(rest[:k], farFuture); err != nil {
				b.Fatal(err)
			}
			rest = rest[k:]
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "headers/s")
	// On a shared machine wall time overstates the cost: also report per
	// second of this process's CPU time (one goroutine does the work; the
	// GC's share is included).
	b.ReportMetric(float64(n*b.N)/(cpuTime(b)-cpu0).Seconds(), "headers/cpu-s")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIndexMemory reports the heap an index of a million headers
// holds, per header, when sized up front (as a store load does) and when
// grown header by header.
func BenchmarkIndexMemory(b *testing.B) {
	const n = 1_000_000
	_, p, m := regtestIndex(b)
	g, _ := p.GenesisHeader()
	hs := m.chain(p.GenesisHash, g.Timestamp, n)
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{name: "sized", opts: []Option{WithCapacity(n)}},
		{name: "grown"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				before := heapInUse()
				ix, err := New(p, tc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				for i := range hs {
					if err := ix.Restore(&hs[i]); err != nil {
						b.Fatal(err)
					}
				}
				ix.hashes = nil
				after := heapInUse()
				b.ReportMetric(float64(after-before)/float64(ix.Len()), "bytes/header")
				runtime.KeepAlive(ix)
			}
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLookup measures Lookup in an index of a million headers, of
// hashes it holds ("present") and of hashes it does not ("absent", the
// longer probe).
func BenchmarkLookup(b *testing.B) {
	const n = 1_000_000
	_, p, m := regtestIndex(b)
	g, _ := p.GenesisHeader()
	hs := m.chain(p.GenesisHash, g.Timestamp, n)
	ix, err := New(p)
	if err != nil {
		b.Fatal(err)
	}
	for i := range hs {
		if err := ix.Restore(&hs[i]); err != nil {
			b.Fatal(err)
		}
	}
	hashes := make([]protocol.Hash, 1<<16)
	for i := range hashes {
		hashes[i] = hs[(i*7919)%n].BlockHash()
	}
	hs = nil
	b.Run("present", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if !ix.Contains(hashes[i&(len(hashes)-1)]) {
				b.Fatal("missing")
			}
			i++
		}
	})
	b.Run("absent", func(b *testing.B) {
		i := 0
		for b.Loop() {
			h := hashes[i&(len(hashes)-1)]
			h[31] ^= 0x55
			if ix.Contains(h) {
				b.Fatal("found")
			}
			i++
		}
	})
}
