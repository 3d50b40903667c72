package headerchain

import (
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// miner builds valid headers for a network with an easy limit (regtest).
type miner struct {
	t     testing.TB
	c     protocol.Consensus
	limit Uint256
	// salt makes headers of different branches differ.
	salt byte
}

func newMiner(t testing.TB, c protocol.Consensus) *miner {
	return &miner{t: t, c: c, limit: Uint256FromHash(c.PowLimit)}
}

// mine returns a header on prev with this time, bits and version whose
// proof of work passes (or, with fail, does not).
func (m *miner) mine(prev protocol.Hash, ts uint32, bits uint32, version int32, fail bool) protocol.BlockHeader {
	m.t.Helper()
	m.salt++
	h := protocol.BlockHeader{Version: version, PrevBlock: prev, Timestamp: ts, Bits: bits}
	h.MerkleRoot[0], h.MerkleRoot[1] = m.salt, byte(ts)
	for nonce := range uint32(1 << 20) {
		h.Nonce = nonce
		if checkProofOfWork(h.BlockHash(), bits, m.limit) != fail {
			return h
		}
	}
	m.t.Fatalf("no nonce found for bits %#08x", bits)
	return h
}

// chain returns n headers after prev, spaced by the target spacing from
// time start, with the limit's bits and version 4.
func (m *miner) chain(prev protocol.Hash, start uint32, n int) []protocol.BlockHeader {
	m.t.Helper()
	bits := m.limit.Compact()
	spacing := uint32(m.c.PowTargetSpacing / time.Second)
	hs := make([]protocol.BlockHeader, n)
	for i := range hs {
		hs[i] = m.mine(prev, start+uint32(i+1)*spacing, bits, 4, false)
		prev = hs[i].BlockHash()
	}
	return hs
}

func regtestIndex(t testing.TB) (*Index, protocol.Params, *miner) {
	t.Helper()
	p := network(t, protocol.NameRegtest)
	ix, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return ix, p, newMiner(t, p.Consensus)
}

func hashOf(h protocol.BlockHeader) protocol.Hash { return h.BlockHash() }

// farFuture is a clock no regtest header of these tests is ahead of.
var farFuture = time.Unix(1<<32, 0)
