package headerchain

import (
	"errors"
	"fmt"
	"math"

	"github.com/actornode/actornode/protocol"
)

// none marks the missing parent of the root entry.
const none = math.MaxUint32

// entry is one header in the index: 64 bytes, what the checks of later
// headers and the best chain need. The previous block's hash is the parent
// entry's hash; the merkle root, version and nonce are only in the
// index's Source (see Index.Header).
type entry struct {
	hash   protocol.Hash
	work   work   // chain work up to and including this header (nChainWork)
	parent uint32 // position of the parent entry, none for the root
	height int32
	time   uint32
	bits   uint32
}

// Entries are kept in chunks of chunkLen (1 MiB each), so the index grows
// by one chunk at a time and never holds a slice and its copy.
const (
	chunkBits = 14
	chunkLen  = 1 << chunkBits
)

// entries holds the index's entries by position.
type entries struct {
	chunks []*[chunkLen]entry
	n      int
}

// at returns the entry at pos, which must be below n.
func (s *entries) at(pos uint32) *entry { return &s.chunks[pos>>chunkBits][pos&(chunkLen-1)] }

// push appends e and returns its position.
func (s *entries) push(e entry) uint32 {
	if s.n>>chunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, new([chunkLen]entry))
	}
	pos := uint32(s.n)
	*s.at(pos) = e
	s.n++
	return pos
}

// bestChain holds the best chain's entry positions by height (minus the
// root's), in chunks of chunkLen like entries: 4 bytes a header, and no
// slice and its copy while it grows.
type bestChain struct {
	chunks []*[chunkLen]uint32
	n      int
}

func (b *bestChain) len() int { return b.n }

// at returns the position at height offset i, which must be below len.
func (b *bestChain) at(i int) uint32 { return b.chunks[i>>chunkBits][i&(chunkLen-1)] }

func (b *bestChain) set(i int, pos uint32) { b.chunks[i>>chunkBits][i&(chunkLen-1)] = pos }

func (b *bestChain) last() uint32 { return b.at(b.n - 1) }

func (b *bestChain) push(pos uint32) {
	b.resize(b.n + 1)
	b.set(b.n-1, pos)
}

// resize makes the chain n long: new heights hold 0 until set, and
// chunks wholly past n are dropped.
func (b *bestChain) resize(n int) {
	need := (n + chunkLen - 1) >> chunkBits
	for len(b.chunks) < need {
		b.chunks = append(b.chunks, new([chunkLen]uint32))
	}
	for i := need; i < len(b.chunks); i++ {
		b.chunks[i] = nil
	}
	b.chunks = b.chunks[:need]
	if n > b.n && b.n&(chunkLen-1) != 0 {
		// Clear what a shrink left behind in the last kept chunk.
		c := b.chunks[b.n>>chunkBits]
		for i := b.n & (chunkLen - 1); i < chunkLen && (b.n>>chunkBits)<<chunkBits+i < n; i++ {
			c[i] = 0
		}
	}
	b.n = n
}

// BlockRef names a header of the index by hash and height.
type BlockRef struct {
	Hash   protocol.Hash
	Height int32
}

// Entry is what the index holds in memory of one header. The whole header
// is read back with Index.Header.
type Entry struct {
	Hash protocol.Hash
	// Prev is the previous block's hash, zero for the root.
	Prev   protocol.Hash
	Height int32
	// Time and Bits are the header's timestamp and compact target.
	Time, Bits uint32
	// Work is the chain work from genesis up to and including this header.
	Work Uint256
	// Best reports whether the header is on the best chain.
	Best bool
	// pos is the entry's position, for Header.
	pos uint32
}

// Index holds every valid header it was given, as a tree rooted at the
// genesis block, and the best chain: the path to the header with the most
// work, the first one seen winning a tie (Core's m_best_header). It keeps
// 64 bytes of each header in memory and the whole header in its Source. It
// is not safe for concurrent use; its owner (the chain actor) serializes
// calls.
type Index struct {
	rules   rules
	entries entries
	table   table
	// best holds the positions of the best chain's entries by height
	// (minus the root's height).
	best bestChain
	// base is the root's height: 0 for an index rooted at genesis.
	base int32
	// root is the root's header; src holds every other one.
	root protocol.BlockHeader
	src  Source
	// hashes is scratch space for Add, reused between calls.
	hashes []protocol.Hash
	// proofs caches BlockProof for the last two bits seen: a chain keeps
	// its bits for a period, and testnet alternates with the easiest.
	proofs [2]proofCache
}

type proofCache struct {
	bits  uint32
	proof work
}

// Option changes how New builds an index.
type Option func(*Index) error

// WithCapacity sizes the index for n headers up front, so that loading a
// store of n records allocates its best chain and hash table once. n must
// not be negative.
func WithCapacity(n int) Option {
	return func(ix *Index) error {
		if n < 0 {
			return fmt.Errorf("capacity %d: negative", n)
		}
		ix.entries.chunks = make([]*[chunkLen]entry, 0, (n+1+chunkLen-1)/chunkLen)
		ix.best.chunks = make([]*[chunkLen]uint32, 0, (n+1+chunkLen-1)/chunkLen)
		ix.table = newTable(n + 1)
		return nil
	}
}

// WithSource makes src the index's Source: where the index appends the
// headers Add adds and reads whole headers back. Without it the index
// keeps them in a MemorySource. A source holding records already (a store
// about to be loaded) gets them back through Restore, which appends
// nothing.
func WithSource(src Source) Option {
	return func(ix *Index) error {
		if src == nil {
			return errors.New("nil header source")
		}
		ix.src = src
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
	ix := &Index{rules: newRules(c), base: height, root: *root}
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
	if ix.src == nil {
		ix.src = &MemorySource{}
	}
	ix.entries.push(entry{
		hash:   root.BlockHash(),
		work:   ix.proof(root.Bits),
		parent: none,
		height: height,
		time:   root.Timestamp,
		bits:   root.Bits,
	})
	ix.table.insert(0, &ix.entries)
	ix.best.push(0)
	return ix, nil
}

// Len returns the number of headers in the index, genesis included.
func (ix *Index) Len() int { return ix.entries.n }

// Genesis returns the root of the index.
func (ix *Index) Genesis() BlockRef { return ix.ref(0) }

// Tip returns the header with the most work: the end of the best chain.
func (ix *Index) Tip() BlockRef { return ix.ref(ix.tip()) }

func (ix *Index) tip() uint32 { return ix.best.last() }

// TipWork returns the chain work of the tip, to compare with the network's
// MinimumChainWork (Core serves no headers below it).
func (ix *Index) TipWork() Uint256 { return ix.entries.at(ix.tip()).work.uint256() }

// TipEntry returns what the index holds of the tip.
func (ix *Index) TipEntry() Entry { return ix.entryAt(ix.tip()) }

// Lookup returns what the index holds of the header with this hash.
func (ix *Index) Lookup(hash protocol.Hash) (Entry, bool) {
	pos, ok := ix.table.find(&hash, &ix.entries)
	if !ok {
		return Entry{}, false
	}
	return ix.entryAt(pos), true
}

// Contains reports whether the index holds the header with this hash.
func (ix *Index) Contains(hash protocol.Hash) bool {
	_, ok := ix.table.find(&hash, &ix.entries)
	return ok
}

// AtHeight returns the best chain's header at height.
func (ix *Index) AtHeight(height int32) (Entry, bool) {
	i := int64(height) - int64(ix.base)
	if i < 0 || i >= int64(ix.best.len()) {
		return Entry{}, false
	}
	return ix.entryAt(ix.best.at(int(i))), true
}

// Header returns the whole header of e, an entry of this index, read from
// the Source (the root's from the index itself). It fails when the Source
// cannot read it.
func (ix *Index) Header(e Entry) (protocol.BlockHeader, error) {
	var h [1]protocol.BlockHeader
	if int(e.pos) >= ix.entries.n || ix.entries.at(e.pos).hash != e.Hash {
		return h[0], fmt.Errorf("header %s: not an entry of this index", e.Hash)
	}
	if err := ix.readHeaders(h[:], e.pos); err != nil {
		return h[0], err
	}
	return h[0], nil
}

// readHeaders fills dst with the headers of the entries from pos on, with
// one read of the Source. Each header read must hash to its entry's hash:
// a Source out of step with the index, or damaged, is an error rather than
// a wrong header sent to a peer.
func (ix *Index) readHeaders(dst []protocol.BlockHeader, pos uint32) error {
	if len(dst) == 0 {
		return nil
	}
	if pos == 0 {
		dst[0] = ix.root
		dst, pos = dst[1:], 1
		if len(dst) == 0 {
			return nil
		}
	}
	if err := ix.src.ReadRecords(dst, int64(pos)-1); err != nil {
		return fmt.Errorf("header index: read headers %d to %d: %w", pos, int(pos)+len(dst)-1, err)
	}
	for i := range dst {
		p := pos + uint32(i)
		if want := ix.entries.at(p).hash; dst[i].BlockHash() != want {
			return fmt.Errorf("header index: record %d of the header source hashes to %s, not to entry %d's %s",
				p-1, dst[i].BlockHash(), p, want)
		}
	}
	return nil
}

func (ix *Index) entryAt(pos uint32) Entry {
	e := ix.entries.at(pos)
	out := Entry{Hash: e.hash, Height: e.height, Time: e.time, Bits: e.bits, Work: e.work.uint256(),
		Best: ix.onBest(pos), pos: pos}
	if e.parent != none {
		out.Prev = ix.entries.at(e.parent).hash
	}
	return out
}

func (ix *Index) ref(pos uint32) BlockRef {
	e := ix.entries.at(pos)
	return BlockRef{Hash: e.hash, Height: e.height}
}

// onBest reports whether the entry at pos is on the best chain.
func (ix *Index) onBest(pos uint32) bool {
	i := int64(ix.entries.at(pos).height) - int64(ix.base)
	return i < int64(ix.best.len()) && ix.best.at(int(i)) == pos
}

// ancestor returns the position of pos's ancestor at height, which must be
// at most pos's height and at least the root's: it walks parents until it
// meets the best chain, then jumps.
func (ix *Index) ancestor(pos uint32, height int32) uint32 {
	if height < ix.base {
		height = ix.base
	}
	for {
		e := ix.entries.at(pos)
		if e.height == height {
			return pos
		}
		if ix.onBest(pos) {
			return ix.best.at(int(height - ix.base))
		}
		pos = e.parent
	}
}

// proof returns BlockProof(bits) as work, from the cache when it can.
func (ix *Index) proof(bits uint32) work {
	for i := range ix.proofs {
		if c := &ix.proofs[i]; c.bits == bits && c.proof != (work{}) {
			return c.proof
		}
	}
	p := workOf(BlockProof(bits))
	ix.proofs[1] = ix.proofs[0]
	ix.proofs[0] = proofCache{bits: bits, proof: p}
	return p
}
