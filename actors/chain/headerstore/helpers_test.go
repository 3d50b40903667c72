package headerstore_test

import (
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

func regtest(t testing.TB) protocol.Params {
	t.Helper()
	p, err := protocol.Network(protocol.NameRegtest)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// regtestChain returns n valid regtest headers after genesis, the same on
// every call: version 4, ten minutes apart, the nonce the first that
// passes the proof of work.
func regtestChain(t testing.TB, n int) []protocol.BlockHeader {
	t.Helper()
	p := regtest(t)
	g, err := p.GenesisHeader()
	if err != nil {
		t.Fatal(err)
	}
	prev := p.GenesisHash
	hs := make([]protocol.BlockHeader, n)
	for i := range hs {
		h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: g.Timestamp + uint32(600*(i+1)), Bits: g.Bits}
		h.MerkleRoot[0], h.MerkleRoot[1], h.MerkleRoot[2] = byte(i), byte(i>>8), byte(i>>16)
		for !headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, p.Consensus) {
			h.Nonce++
		}
		hs[i] = h
		prev = h.BlockHash()
	}
	return hs
}

// newIndex returns a regtest index sized for n headers.
func newIndex(t testing.TB, n int) *headerchain.Index {
	t.Helper()
	ix, err := headerchain.New(regtest(t), headerchain.WithCapacity(n))
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// open opens the regtest store in dir.
func open(t testing.TB, dir string) *headerstore.Store {
	t.Helper()
	s, err := headerstore.Open(dir, regtest(t).Magic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// collect loads s and returns the headers it holds.
func collect(t testing.TB, s *headerstore.Store) ([]protocol.BlockHeader, headerstore.LoadStats) {
	t.Helper()
	var got []protocol.BlockHeader
	st, err := s.Load(func(h *protocol.BlockHeader) error {
		got = append(got, *h)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

var farFuture = time.Unix(1<<32, 0)

// appendFlush appends hs to s and flushes them.
func appendFlush(s *headerstore.Store, hs []protocol.BlockHeader) error {
	s.Append(hs)
	return s.Flush()
}
