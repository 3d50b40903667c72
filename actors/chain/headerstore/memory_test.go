package headerstore_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// syncFigures is what syncOnStore measured.
type syncFigures struct {
	// heap is the growth of the Go heap per header, the index's and the
	// store's together; store is the store file's bytes per header.
	heap, store float64
}

// syncOnStore syncs n regtest headers into an index on a store in dir as
// the chain actor does: mined and added a headers message at a time,
// appended to the store by the index, flushed every few messages. It
// measures the heap the index and store hold at the end against the heap
// before either existed, with a GC before each reading.
func syncOnStore(tb testing.TB, dir string, n int) syncFigures {
	tb.Helper()
	p := regtest(tb)
	g, err := p.GenesisHeader()
	if err != nil {
		tb.Fatal(err)
	}
	msg := make([]protocol.BlockHeader, headerchain.MaxHeadersResults)
	before := heapAlloc()
	s, err := headerstore.Open(dir, p.Magic)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Load(func(*protocol.BlockHeader) error { return nil }); err != nil {
		tb.Fatal(err)
	}
	ix, err := headerchain.New(p, headerchain.WithSource(s))
	if err != nil {
		tb.Fatal(err)
	}
	prev := p.GenesisHash
	for i, msgs := 0, 0; i < n; msgs++ {
		k := min(n-i, len(msg))
		for j := range k {
			h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: g.Timestamp + uint32(600*(i+j+1)), Bits: g.Bits}
			for !headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, p.Consensus) {
				h.Nonce++
			}
			msg[j], prev = h, h.BlockHash()
		}
		if res, err := ix.Add(msg[:k], farFuture); err != nil || res.Added != k {
			tb.Fatalf("add: %+v %v", res, err)
		}
		i += k
		if msgs%16 == 15 || i == n {
			if err := s.Flush(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	msg = nil
	after := heapAlloc()
	if ix.Len() != n+1 || s.Durable() != int64(n) {
		tb.Fatalf("%d entries, %d records", ix.Len(), s.Durable())
	}
	info, err := os.Stat(s.Path())
	if err != nil {
		tb.Fatal(err)
	}
	runtime.KeepAlive(ix)
	runtime.KeepAlive(s)
	return syncFigures{heap: float64(after-before) / float64(n), store: float64(info.Size()) / float64(n)}
}

// TestSyncNeedsNoMoreMemoryThanTheStore is issue 13's claim: a header sync
// holds no more heap per header than the store's file takes on disk.
// 250,000 headers make the fixed costs (the root, a chunk of entries, the
// hash table's power-of-two slack) count about as much as at mainnet's
// size.
func TestSyncNeedsNoMoreMemoryThanTheStore(t *testing.T) {
	const n = 250_000
	f := syncOnStore(t, t.TempDir(), n)
	t.Logf("%d headers: heap %.1f B/header, store %.1f B/header", n, f.heap, f.store)
	if f.heap > f.store {
		t.Fatalf("heap %.1f B/header, more than the store's %.1f", f.heap, f.store)
	}
}

// BenchmarkSyncMemory reports the heap per header a sync of mainnet's size
// (930,000 headers) and of a million holds, index and store together, and
// the store's bytes per header.
func BenchmarkSyncMemory(b *testing.B) {
	for _, tc := range []struct {
		name string
		n    int
	}{{"mainnet", 930_000}, {"1M", 1_000_000}} {
		b.Run(tc.name, func(b *testing.B) {
			var f syncFigures
			for b.Loop() {
				f = syncOnStore(b, b.TempDir(), tc.n)
			}
			b.ReportMetric(f.heap, "heap-B/header")
			b.ReportMetric(f.store, "store-B/header")
			b.ReportMetric(float64(tc.n*b.N)/b.Elapsed().Seconds(), "headers/s")
		})
	}
}
