package headerchain

import (
	"slices"

	"github.com/actornode/actornode/protocol"
)

// MaxHeadersResults is the most headers one headers message carries (Core's
// MAX_HEADERS_RESULTS).
const MaxHeadersResults = 2000

// TipChange describes a move of the best chain from one tip to another:
// the blocks after Fork on the old chain are disconnected (a reorg when
// there are any), those after Fork up to New connected.
type TipChange struct {
	Old, New BlockRef
	// Fork is the last block both chains share.
	Fork BlockRef
	// Disconnected lists the old chain's blocks after Fork, the old tip
	// first.
	Disconnected []BlockRef
	// Connected lists the new chain's blocks after Fork, in height order,
	// ending with New.
	Connected []BlockRef
}

// setTip makes the entry at pos the end of the best chain: it walks back
// from pos to the best chain and replaces what lies above that fork.
func (ix *Index) setTip(pos uint32) {
	e := ix.entries.at(pos)
	// The common case: pos extends the tip.
	if e.parent == ix.tip() {
		ix.best.push(pos)
		return
	}
	ix.best.resize(int(e.height-ix.base) + 1)
	for p := pos; p != none && ix.best.at(int(ix.entries.at(p).height-ix.base)) != p; p = ix.entries.at(p).parent {
		ix.best.set(int(ix.entries.at(p).height-ix.base), p)
	}
}

// tipChange describes the move from oldTip, which may no longer be on the
// best chain, to newTip, the current tip.
func (ix *Index) tipChange(oldTip, newTip uint32) *TipChange {
	tc := &TipChange{Old: ix.ref(oldTip), New: ix.ref(newTip)}
	// Walk the old tip back to the best chain: those blocks are
	// disconnected; where it meets the chain is the fork.
	p := oldTip
	for !ix.onBest(p) {
		tc.Disconnected = append(tc.Disconnected, ix.ref(p))
		p = ix.entries.at(p).parent
	}
	tc.Fork = ix.ref(p)
	// Sized once: a sync's headers messages connect 2000 each, and growing
	// the list by appends made it the sync's largest garbage (about 100
	// bytes a header over a million).
	tc.Connected = make([]BlockRef, 0, max(tc.New.Height-tc.Fork.Height, 0))
	for h := tc.Fork.Height + 1; h <= tc.New.Height; h++ {
		tc.Connected = append(tc.Connected, ix.ref(ix.best.at(int(h-ix.base))))
	}
	return tc
}

// FindFork returns the last block both a peer's locator and our best chain
// hold (Core's FindForkInGlobalIndex): the first locator hash on the best
// chain, or genesis when none is. Core also answers its tip for a locator
// hash that descends from the tip; the index holds no such header, since
// one would have more work than the tip and be the tip.
func (ix *Index) FindFork(locator []protocol.Hash) BlockRef {
	for i := range locator {
		if pos, ok := ix.table.find(&locator[i], &ix.entries); ok && ix.onBest(pos) {
			return ix.ref(pos)
		}
	}
	return ix.ref(ix.best.at(0))
}

// AppendHeadersAfter appends to dst the answer to a getheaders from the best
// chain (Core's getheaders handler): with an empty locator, the header of
// stop when it is on the best chain, else nothing; otherwise the headers
// after FindFork(locator), up to and including stop or max of them. max
// is normally MaxHeadersResults, which bounds what one call reads. The
// headers come from the Source, one read for each run of consecutive
// records (the whole answer, where the best chain was synced in order);
// on a failed read it returns dst as it was and the error. Whether to
// answer at all (Core sends an empty headers message while its tip has
// less than the minimum chain work) is the caller's choice.
func (ix *Index) AppendHeadersAfter(dst []protocol.BlockHeader, locator []protocol.Hash, stop protocol.Hash, max int) ([]protocol.BlockHeader, error) {
	start := len(dst)
	if len(locator) == 0 {
		pos, ok := ix.table.find(&stop, &ix.entries)
		if !ok || !ix.onBest(pos) {
			return dst, nil
		}
		dst = append(dst, protocol.BlockHeader{})
		if err := ix.readHeaders(dst[start:], pos); err != nil {
			return dst[:start], err
		}
		return dst, nil
	}
	fork := ix.FindFork(locator)
	first := int(fork.Height-ix.base) + 1
	n := 0
	for i := first; i < ix.best.len() && n < max; i++ {
		n++
		if ix.entries.at(ix.best.at(i)).hash == stop {
			break
		}
	}
	dst = slices.Grow(dst, n)[:start+n]
	out := dst[start:]
	for i := 0; i < n; {
		p := ix.best.at(first + i)
		j := i + 1
		for j < n && ix.best.at(first+j) == p+uint32(j-i) {
			j++
		}
		if err := ix.readHeaders(out[i:j], p); err != nil {
			return dst[:start], err
		}
		i = j
	}
	return dst, nil
}

// Locator returns a block locator for the header with this hash (Core's
// GetLocator): its hash and its ancestors', the first ten one apart, then
// doubling the step, ending with genesis. It returns nil for an unknown
// hash.
func (ix *Index) Locator(hash protocol.Hash) []protocol.Hash {
	pos, ok := ix.table.find(&hash, &ix.entries)
	if !ok {
		return nil
	}
	return ix.locator(pos)
}

// TipLocator returns the block locator of the best chain's tip, for a
// getheaders to a peer.
func (ix *Index) TipLocator() []protocol.Hash { return ix.locator(ix.tip()) }

func (ix *Index) locator(pos uint32) []protocol.Hash {
	have := make([]protocol.Hash, 0, 32)
	step := int32(1)
	for {
		e := ix.entries.at(pos)
		have = append(have, e.hash)
		if e.height == ix.base {
			return have
		}
		pos = ix.ancestor(pos, max(e.height-step, ix.base))
		if len(have) > 10 {
			step *= 2
		}
	}
}

// Ancestor returns the ancestor at height of the header with this hash (the
// header itself at its own height). It is false for an unknown hash or a
// height outside the header's branch.
func (ix *Index) Ancestor(hash protocol.Hash, height int32) (BlockRef, bool) {
	pos, ok := ix.table.find(&hash, &ix.entries)
	if !ok || height < ix.base || height > ix.entries.at(pos).height {
		return BlockRef{}, false
	}
	return ix.ref(ix.ancestor(pos, height)), true
}

// Tips returns every header no other header of the index builds on: the
// ends of all branches, the best chain's tip among them (getchaintips).
func (ix *Index) Tips() []Entry {
	hasChild := make([]bool, ix.entries.n)
	for i := range ix.entries.n {
		if p := ix.entries.at(uint32(i)).parent; p != none {
			hasChild[p] = true
		}
	}
	var tips []Entry
	for i, c := range hasChild {
		if !c {
			tips = append(tips, ix.entryAt(uint32(i)))
		}
	}
	return tips
}

// MedianTimePast returns the median time of the header with this hash and
// its ten ancestors (Core's GetMedianTimePast), false for an unknown hash.
func (ix *Index) MedianTimePast(hash protocol.Hash) (int64, bool) {
	pos, ok := ix.table.find(&hash, &ix.entries)
	if !ok {
		return 0, false
	}
	return ix.medianTimePast(pos), true
}
