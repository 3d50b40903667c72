package presync

import (
	"fmt"
	"slices"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// Start is what a Sync needs of the header the peer's chain builds on, a
// header of our index (Core's chain_start, a CBlockIndex the sync keeps a
// reference to; here a copy, so the Sync holds no pointer into the index).
type Start struct {
	// Header is the start's header: its hash and bits begin the chain.
	Header protocol.BlockHeader
	// Hash is Header's hash.
	Hash protocol.Hash
	// Height is the start's height.
	Height int32
	// Work is the chain work up to and including the start.
	Work headerchain.Uint256
	// MedianTimePast is the median time of the start and its ten
	// ancestors, in Unix seconds: no block after it can be older, which
	// bounds how many blocks the peer's chain can have by now.
	MedianTimePast int64
	// Locator is the start's block locator (Core's LocatorEntries): each
	// getheaders of the sync ends with it.
	Locator []protocol.Hash
}

// StartAt returns the Start for the header of ix with this hash, normally
// the PrevBlock of the first header of the message that triggers the sync.
// It fails for a hash ix does not hold or a header ix cannot read back.
func StartAt(ix *headerchain.Index, hash protocol.Hash) (Start, error) {
	e, ok := ix.Lookup(hash)
	if !ok {
		return Start{}, fmt.Errorf("headers sync start %s: not in the header index", hash)
	}
	h, err := ix.Header(e)
	if err != nil {
		return Start{}, fmt.Errorf("headers sync start %s: %w", hash, err)
	}
	mtp, _ := ix.MedianTimePast(hash)
	// A clipped copy: the sync holds the locator for its whole life.
	return Start{Header: h, Hash: e.Hash, Height: e.Height, Work: e.Work, MedianTimePast: mtp,
		Locator: slices.Clone(ix.Locator(hash))}, nil
}
