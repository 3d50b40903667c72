package headerchain

import (
	"errors"
	"fmt"
	"math"

	"github.com/actornode/actornode/protocol"
)

// none marks the missing parent of the root entry.
const none = math.MaxUint32

// entry is one header in the index: 120 bytes. The previous block's hash is
// not stored: it is the parent entry's hash.
type entry struct {
	hash    protocol.Hash
	merkle  protocol.Hash
	work    Uint256 // chain work up to and including this header (nChainWork)
	parent  uint32  // position of the parent entry, none for the root
	height  int32
	version int32
	time    uint32
	bits    uint32
	nonce   uint32
}

// BlockRef names a header of the index by hash and height.
type BlockRef struct {
	Hash   protocol.Hash
	Height int32
}

// Entry is what the index knows of one header.
type Entry struct {
	Header protocol.BlockHeader
	Hash   protocol.Hash
	Height int32
	// Work is the chain work from genesis up to and including this header.
	Work Uint256
	// Best reports whether the header is on the best chain.
	Best bool
}

// Index holds every valid header it was given, as a tree rooted at the
// genesis block, and the best chain: the path to the header with the most
// work, the first one seen winning a tie (Core's m_best_header). It is not
// safe for concurrent use; its owner (the chain actor) serializes calls.
type Index struct {
	rules   rules
	entries []entry
	table   table
	// best holds the positions of the best chain's entries by height
	// (minus the root's height).
	best []uint32
	// base is the root's height: 0 for an index rooted at genesis.
	base int32
	// hashes is scratch space for Add, reused between calls.
	hashes []protocol.Hash
	// proofs caches BlockProof for the last two bits seen: a chain keeps
	// its bits for a period, and testnet alternates with the easiest.
	proofs [2]proofCache
}

type proofCache struct {
	bits  uint32
	proof Uint256
}

// Option changes how New builds an index.
type Option func(*Index) error

// WithCapacity sizes the index for n headers up front, so that loading a
// store of n records allocates once and holds no slack. n must not be
// negative.
func WithCapacity(n int) Option {
	return func(ix *Index) error {
		if n < 0 {
			return fmt.Errorf("capacity %d: negative", n)
		}
		ix.entries = make([]entry, 0, n+1)
		ix.best = make([]uint32, 0, n+1)
		ix.table = newTable(n + 1)
		return nil
	}
}

// New returns an index holding the genesis header of params. It fails when
// params has no usable genesis block or consensus rules.
func New(params protocol.Params, opts ...Option) (*Index, error) {
	g, err := params.GenesisHeader()
	if err != nil {
		return nil, fmt.Errorf("header index: %w", err)
	}
	if hash := g.BlockHash(); hash != params.GenesisHash {
		return nil, fmt.Errorf("header index: network %q: genesis block hashes to %s, want %s", params.Name, hash, params.GenesisHash)
	}
	ix, err := newIndexAt(params.Consensus, &g, 0, opts...)
	if err != nil {
		return nil, fmt.Errorf("header index: network %q: %w", params.Name, err)
	}
	return ix, nil
}

// newIndexAt returns an index rooted at root, taken on trust, with the given
// height and the root's own proof as its chain work. A root other than
// genesis must be the first block of a difficulty period, so every ancestor
// a later check needs is in the index (tests root real mainnet headers at
// 30240 to check the retarget at 32256).
func newIndexAt(c protocol.Consensus, root *protocol.BlockHeader, height int32, opts ...Option) (*Index, error) {
	ix := &Index{rules: newRules(c), base: height}
	if !ix.rules.valid() {
		return nil, errors.New("consensus rules: spacing, timespan or pow limit unset")
	}
	for _, o := range opts {
		if err := o(ix); err != nil {
			return nil, err
		}
	}
	if ix.table.slots == nil {
		ix.table = newTable(0)
	}
	ix.entries = append(ix.entries, entry{
		hash:    root.BlockHash(),
		merkle:  root.MerkleRoot,
		work:    ix.proof(root.Bits),
		parent:  none,
		height:  height,
		version: root.Version,
		time:    root.Timestamp,
		bits:    root.Bits,
		nonce:   root.Nonce,
	})
	ix.table.insert(0, ix.entries)
	ix.best = append(ix.best, 0)
	return ix, nil
}

// Len returns the number of headers in the index, genesis included.
func (ix *Index) Len() int { return len(ix.entries) }

// Genesis returns the root of the index.
func (ix *Index) Genesis() BlockRef { return ix.ref(0) }

// Tip returns the header with the most work: the end of the best chain.
func (ix *Index) Tip() BlockRef { return ix.ref(ix.best[len(ix.best)-1]) }

// TipWork returns the chain work of the tip, to compare with the network's
// MinimumChainWork (Core serves no headers below it).
func (ix *Index) TipWork() Uint256 { return ix.entries[ix.best[len(ix.best)-1]].work }

// Lookup returns what the index knows of the header with this hash.
func (ix *Index) Lookup(hash protocol.Hash) (Entry, bool) {
	pos, ok := ix.table.find(&hash, ix.entries)
	if !ok {
		return Entry{}, false
	}
	return ix.entryAt(pos), true
}

// Contains reports whether the index holds the header with this hash.
func (ix *Index) Contains(hash protocol.Hash) bool {
	_, ok := ix.table.find(&hash, ix.entries)
	return ok
}

// AtHeight returns the best chain's header at height.
func (ix *Index) AtHeight(height int32) (Entry, bool) {
	i := int64(height) - int64(ix.base)
	if i < 0 || i >= int64(len(ix.best)) {
		return Entry{}, false
	}
	return ix.entryAt(ix.best[i]), true
}

func (ix *Index) entryAt(pos uint32) Entry {
	e := &ix.entries[pos]
	return Entry{Header: ix.header(pos), Hash: e.hash, Height: e.height, Work: e.work, Best: ix.onBest(pos)}
}

func (ix *Index) ref(pos uint32) BlockRef {
	return BlockRef{Hash: ix.entries[pos].hash, Height: ix.entries[pos].height}
}

// header rebuilds the 80-byte header of the entry at pos.
func (ix *Index) header(pos uint32) protocol.BlockHeader {
	e := &ix.entries[pos]
	h := protocol.BlockHeader{
		Version:    e.version,
		MerkleRoot: e.merkle,
		Timestamp:  e.time,
		Bits:       e.bits,
		Nonce:      e.nonce,
	}
	if e.parent != none {
		h.PrevBlock = ix.entries[e.parent].hash
	}
	return h
}

// onBest reports whether the entry at pos is on the best chain.
func (ix *Index) onBest(pos uint32) bool {
	i := int64(ix.entries[pos].height) - int64(ix.base)
	return i < int64(len(ix.best)) && ix.best[i] == pos
}

// ancestor returns the position of pos's ancestor at height, which must be
// at most pos's height and at least the root's: it walks parents until it
// meets the best chain, then jumps.
func (ix *Index) ancestor(pos uint32, height int32) uint32 {
	if height < ix.base {
		height = ix.base
	}
	for {
		e := &ix.entries[pos]
		if e.height == height {
			return pos
		}
		if ix.onBest(pos) {
			return ix.best[height-ix.base]
		}
		pos = e.parent
	}
}

// proof returns BlockProof(bits), from the cache when it can.
func (ix *Index) proof(bits uint32) Uint256 {
	for i := range ix.proofs {
		if c := &ix.proofs[i]; c.bits == bits && !c.proof.IsZero() {
			return c.proof
		}
	}
	p := BlockProof(bits)
	ix.proofs[1] = ix.proofs[0]
	ix.proofs[0] = proofCache{bits: bits, proof: p}
	return p
}
