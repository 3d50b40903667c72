package presync

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// regtest returns regtest's parameters, its genesis header and a Start at
// genesis taken from a real index.
func regtest(t testing.TB) (protocol.Params, protocol.BlockHeader, Start) {
	t.Helper()
	p, err := protocol.Network(protocol.NameRegtest)
	if err != nil {
		t.Fatal(err)
	}
	g, err := p.GenesisHeader()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := headerchain.New(p)
	if err != nil {
		t.Fatal(err)
	}
	start, err := StartAt(ix, p.GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	return p, g, start
}

const easyBits = 0x207fffff // regtest's limit: every other hash passes; proof 2

// mine returns a header on prev whose proof of work passes for bits; salt
// tells apart headers of different chains.
func mine(t testing.TB, c protocol.Consensus, prev protocol.Hash, ts, bits uint32, salt byte) protocol.BlockHeader {
	t.Helper()
	h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: ts, Bits: bits}
	h.MerkleRoot[0] = salt
	for nonce := range uint32(1 << 24) {
		h.Nonce = nonce
		if headerchain.CheckProofOfWork(h.BlockHash(), bits, c) {
			return h
		}
	}
	t.Fatalf("no nonce for bits %#08x", bits)
	return h
}

// chain appends to dst n easy headers after prev, one second apart from
// prevTime (as Core's headers sync tests build them).
func chain(t testing.TB, c protocol.Consensus, dst []protocol.BlockHeader, prev protocol.Hash, prevTime uint32, n int, salt byte) []protocol.BlockHeader {
	t.Helper()
	return chainWith(t, c, dst, prev, prevTime, n, salt, easyBits)
}

// chainWith is chain with these bits.
func chainWith(t testing.TB, c protocol.Consensus, dst []protocol.BlockHeader, prev protocol.Hash, prevTime uint32, n int, salt byte, bits uint32) []protocol.BlockHeader {
	t.Helper()
	for range n {
		prevTime++
		h := mine(t, c, prev, prevTime, bits, salt)
		dst = append(dst, h)
		prev = h.BlockHash()
	}
	return dst
}

// fixedRand is a seeded Rand, so a test's commitment offset and salt are
// the same on every run.
func fixedRand() Rand { return rand.NewPCG(1, 2) }

// newSync starts a sync from start with a clock a year after it.
func newSync(t testing.TB, c protocol.Consensus, params Params, start Start, minWork uint64) *Sync {
	t.Helper()
	s, err := New(Config{
		Consensus:   c,
		Params:      params,
		Start:       start,
		MinimumWork: headerchain.Uint256{minWork},
		Now:         time.Unix(start.MedianTimePast, 0).Add(365 * 24 * time.Hour),
		Rand:        fixedRand(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// feed gives hs to s in messages of MaxHeadersResults, the last one
// marked full or not, and returns the released headers and the last
// result. It stops early when the sync changes state or stops asking for
// more.
func feed(t testing.TB, s *Sync, hs []protocol.BlockHeader, lastFull bool) ([]protocol.BlockHeader, Result) {
	t.Helper()
	var out []protocol.BlockHeader
	var res Result
	from := s.State()
	for len(hs) > 0 {
		k := min(len(hs), headerchain.MaxHeadersResults)
		res = s.ProcessNextHeaders(hs[:k], k < len(hs) || lastFull)
		out = append(out, res.Headers...)
		hs = hs[k:]
		if !res.RequestMore || res.State != from {
			break
		}
	}
	return out, res
}
