package loadgen

import (
	"fmt"
	"math/big"
	"path/filepath"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// RegtestChain describes the header chain WriteRegtestHeaders wrote.
type RegtestChain struct {
	// Headers is how many headers follow genesis; Tip is the last one's
	// hash.
	Headers int
	Tip     protocol.Hash
	// Bits is every header's target (regtest's, which never retargets).
	Bits uint32
}

// WorkAt is the chain work from genesis up to and including the header at
// height (every regtest header carries the same work).
func (c RegtestChain) WorkAt(height int) *big.Int {
	w := headerchain.BlockProof(c.Bits).Big()
	return w.Mul(w, big.NewInt(int64(height)+1))
}

// writeBatch is how many headers WriteRegtestHeaders mines between
// appends to the store (a flush each 16 of them).
const writeBatch = 2000

// WriteRegtestHeaders mines n regtest headers after genesis and writes them
// into the header store of a node whose data directory is datadir (its
// regtest subdirectory, as the node lays it out), so that a node started on
// it loads them as its own chain. The headers carry real proof of work
// against regtest's target (about two hashes each), version 4, and
// timestamps spread evenly from genesis to end, which must be recent for
// the node to be out of initial sync (Core: a tip less than a day old) and
// at most two hours ahead of the node's clock. The directory must hold no
// store yet.
func WriteRegtestHeaders(datadir string, n int, end time.Time) (RegtestChain, error) {
	p, err := protocol.Network(protocol.NameRegtest)
	if err != nil {
		return RegtestChain{}, err
	}
	g, err := p.GenesisHeader()
	if err != nil {
		return RegtestChain{}, err
	}
	first, last := int64(g.Timestamp), end.Unix()
	if n < 1 || last-first < int64(n) || last > 1<<32-1 {
		return RegtestChain{}, fmt.Errorf("write headers: %d headers do not fit one a second between genesis (%d) and %d", n, first, last)
	}
	s, err := headerstore.Open(filepath.Join(datadir, protocol.NameRegtest), p.Magic)
	if err != nil {
		return RegtestChain{}, fmt.Errorf("write headers: %w", err)
	}
	defer s.Close()
	if s.Records() != 0 {
		return RegtestChain{}, fmt.Errorf("write headers: %s already holds %d records", s.Path(), s.Records())
	}
	if _, err := s.Load(func(*protocol.BlockHeader) error { return nil }); err != nil {
		return RegtestChain{}, fmt.Errorf("write headers: %w", err)
	}
	batch := make([]protocol.BlockHeader, 0, writeBatch)
	prev := p.GenesisHash
	for i := 1; i <= n; i++ {
		// Evenly spread: strictly increasing (span/n >= 1), so each is past
		// the median time of the eleven before it.
		ts := first + int64(i)*(last-first)/int64(n)
		h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: uint32(ts), Bits: g.Bits}
		h.MerkleRoot[0], h.MerkleRoot[1], h.MerkleRoot[2], h.MerkleRoot[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		hash := h.BlockHash()
		for !headerchain.CheckProofOfWork(hash, h.Bits, p.Consensus) {
			h.Nonce++
			hash = h.BlockHash()
		}
		batch = append(batch, h)
		prev = hash
		if len(batch) == cap(batch) || i == n {
			s.Append(batch)
			batch = batch[:0]
			if i%(16*writeBatch) == 0 || i == n {
				if err := s.Flush(); err != nil {
					return RegtestChain{}, fmt.Errorf("write headers: %w", err)
				}
			}
		}
	}
	return RegtestChain{Headers: n, Tip: prev, Bits: g.Bits}, nil
}
