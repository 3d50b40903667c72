package presync

import (
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// benchChain is a 100,000-header regtest chain shared by the benchmarks.
func benchChain(b *testing.B) ([]protocol.BlockHeader, protocol.Params, Start) {
	const n = 100_000
	p, g, start := regtest(b)
	return chain(b, p.Consensus, make([]protocol.BlockHeader, 0, n), p.GenesisHash, g.Timestamp, n, 0), p, start
}

// BenchmarkPresync measures headers taken per second in presync (each
// header's hash, proof of work, link, bits transition, work, and a
// commitment every period) and the bytes the sync holds per header at the
// end, with mainnet's memory parameters.
func BenchmarkPresync(b *testing.B) {
	hs, p, start := benchChain(b)
	params, _ := NetworkParams(protocol.NameMainnet)
	now := time.Unix(int64(hs[len(hs)-1].Timestamp), 0)
	peak := 0
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		s, err := New(Config{Consensus: p.Consensus, Params: params, Start: start,
			MinimumWork: headerchain.Uint256{0, 1}, Now: now, Rand: fixedRand()})
		if err != nil {
			b.Fatal(err)
		}
		for rest := hs; len(rest) > 0; rest = rest[headerchain.MaxHeadersResults:] {
			if res := s.ProcessNextHeaders(rest[:headerchain.MaxHeadersResults], true); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
		peak = s.MemoryUsage()
	}
	n := float64(len(hs) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "headers/s")
	b.ReportMetric(n/(cpuTime(b)-cpu0).Seconds(), "headers/cpu-s")
	b.ReportMetric(float64(peak)/float64(len(hs)), "bytes/header")
}

// BenchmarkPresyncAndRedownload measures a whole sync of an honest chain:
// presync, then redownload releasing every header, per header of the
// chain.
func BenchmarkPresyncAndRedownload(b *testing.B) {
	hs, p, start := benchChain(b)
	params, _ := NetworkParams(protocol.NameMainnet)
	now := time.Unix(int64(hs[len(hs)-1].Timestamp), 0)
	work := start.Work.Add(ClaimedWork(hs))
	peak := 0
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		s, err := New(Config{Consensus: p.Consensus, Params: params, Start: start,
			MinimumWork: work, Now: now, Rand: fixedRand()})
		if err != nil {
			b.Fatal(err)
		}
		released := 0
		for pass := 0; pass < 2; pass++ {
			for rest := hs; len(rest) > 0; rest = rest[headerchain.MaxHeadersResults:] {
				res := s.ProcessNextHeaders(rest[:headerchain.MaxHeadersResults], true)
				if res.Err != nil {
					b.Fatal(res.Err)
				}
				released += len(res.Headers)
				peak = max(peak, s.MemoryUsage())
			}
		}
		if released != len(hs) || s.State() != Final {
			b.Fatalf("released %d of %d, state %v", released, len(hs), s.State())
		}
	}
	n := float64(len(hs) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "headers/s")
	b.ReportMetric(n/(cpuTime(b)-cpu0).Seconds(), "headers/cpu-s")
	b.ReportMetric(float64(peak), "peak-bytes")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
