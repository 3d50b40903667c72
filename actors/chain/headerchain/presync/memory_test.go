package presync

import (
	"runtime"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// spam streams n easy headers from genesis to s in full messages, the last
// one short, mining each message into one reused buffer so the test holds
// no more than a message. After each message it calls check.
func spam(t testing.TB, s *Sync, n int, check func(fed int, res Result)) Result {
	t.Helper()
	p, g, _ := regtest(t)
	buf := make([]protocol.BlockHeader, 0, headerchain.MaxHeadersResults)
	prev, prevTime := p.GenesisHash, g.Timestamp
	var res Result
	for fed := 0; fed < n; {
		k := min(n-fed, headerchain.MaxHeadersResults)
		buf = chain(t, p.Consensus, buf[:0], prev, prevTime, k, 0)
		last := buf[k-1]
		prev, prevTime = last.BlockHash(), last.Timestamp
		res = s.ProcessNextHeaders(buf, k == headerchain.MaxHeadersResults && fed+k < n)
		fed += k
		if check != nil {
			check(fed, res)
		}
	}
	return res
}

// A low-work chain of 200,000 headers costs its commitments, about a bit
// per period, and nothing per header: the sync's size after each message
// stays within a few words of what it started with plus the commitments,
// and the heap bears it out.
func TestLowWorkSpamKeepsMemoryFlat(t *testing.T) {
	const n = 200_000
	p, g, start := regtest(t)
	params, err := NetworkParams(protocol.NameRegtest)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(int64(g.Timestamp)+n, 0) // the chain's times are one second apart
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	s, err := New(Config{Consensus: p.Consensus, Params: params, Start: start,
		MinimumWork: headerchain.Uint256{0, 1}, Now: now, Rand: fixedRand()})
	if err != nil {
		t.Fatal(err)
	}
	base := s.MemoryUsage()
	peak := 0
	res := spam(t, s, n, func(fed int, res Result) {
		if res.Err != nil {
			t.Fatalf("after %d headers: %v", fed, res.Err)
		}
		// Commitment bits, in words, doubled for append's growth.
		limit := base + 2*8*(fed/params.CommitmentPeriod/64+1)
		if got := s.MemoryUsage(); got > limit {
			t.Fatalf("after %d headers the sync holds %d bytes, more than %d", fed, got, limit)
		}
		if s.State() != Final {
			peak = max(peak, s.MemoryUsage())
			if fed == n-headerchain.MaxHeadersResults {
				runtime.GC()
				runtime.ReadMemStats(&after)
			}
		}
	})
	if res.State != Final || res.End != EndLowWork || res.Err != nil {
		t.Fatalf("state %v end %v err %v, want a low-work end", res.State, res.End, res.Err)
	}
	// The heap grew by the sync and a message buffer (160 KB), not by the
	// 16 MB of headers.
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > 512<<10 {
		t.Fatalf("heap grew %d bytes over %d headers", grown, n)
	}
	perHeader := float64(peak) / n
	t.Logf("%d low-work headers: %d commitments, sync peak %d bytes (%.4f bytes/header), heap growth %d bytes",
		n, n/params.CommitmentPeriod, peak, perHeader, grown)
	if perHeader > 0.05 {
		t.Fatalf("%.4f bytes per header of spam", perHeader)
	}
	if s.MemoryUsage() > base {
		t.Fatalf("the ended sync holds %d bytes, more than the %d it began with", s.MemoryUsage(), base)
	}
}
