package presync

import (
	"sync"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

var (
	fuzzOnce   sync.Once
	fuzzChains [2][]protocol.BlockHeader
)

// FuzzProcessNextHeaders drives a sync with slices of two chains that
// share a prefix, full or not, under small parameters (as Core's
// headerssync fuzz target does), and checks what must always hold: no
// panic; whatever is released continues what was released before, from the
// start; the buffer stays within its size plus a message; a Final sync
// holds no commitments or buffer.
func FuzzProcessNextHeaders(f *testing.F) {
	f.Add([]byte{3, 5, 1, 0, 40, 1, 0, 0, 40, 1})
	f.Add([]byte{1, 0, 9, 0, 200, 0, 0, 0, 200, 0})
	f.Add([]byte{7, 2, 4, 1, 100, 1, 1, 0, 120, 1, 1, 30, 50, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, g, start := regtest(t)
		fuzzOnce.Do(func() {
			a := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, 300, 0)
			b := chain(t, p.Consensus, append([]protocol.BlockHeader(nil), a[:100]...), a[99].BlockHash(), a[99].Timestamp, 200, 1)
			fuzzChains = [2][]protocol.BlockHeader{a, b}
		})
		if len(data) < 3 {
			return
		}
		params := Params{CommitmentPeriod: 1 + int(data[0]%20), RedownloadBufferSize: int(data[1] % 50)}
		minWork := headerchain.Uint256{2 * (1 + uint64(data[2])*2)}
		s, err := New(Config{Consensus: p.Consensus, Params: params, Start: start, MinimumWork: minWork,
			Now: time.Unix(int64(g.Timestamp)+400, 0), Rand: fixedRand()})
		if err != nil {
			t.Fatal(err)
		}
		lastReleased := p.GenesisHash
		for data = data[3:]; len(data) >= 4; data = data[4:] {
			c := fuzzChains[data[0]%2]
			from := int(data[1]) % len(c)
			n := 1 + int(data[2])%(len(c)-from)
			res := s.ProcessNextHeaders(c[from:from+n], data[3]%2 == 1)
			for i := range res.Headers {
				if res.Headers[i].PrevBlock != lastReleased {
					t.Fatalf("released header does not continue the last released")
				}
				lastReleased = res.Headers[i].BlockHash()
			}
			if res.Err == nil && res.RequestMore && len(res.Locator) == 0 {
				t.Fatal("more requested without a locator")
			}
			if s.buffer.len() > params.RedownloadBufferSize+n && !s.releaseAll {
				t.Fatalf("buffer holds %d", s.buffer.len())
			}
			if s.State() == Final && (s.commitments.bytes() != 0 || s.buffer.bytes() != 0) {
				t.Fatal("a final sync holds memory")
			}
		}
	})
}
