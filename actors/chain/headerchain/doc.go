// Package headerchain verifies block headers and keeps them: an index of
// every valid header the node was given, as a tree rooted at its network's
// genesis block, and the best chain through it. It is sans-IO: no clock
// (each Add takes now), no files, no goroutines; the chain actor owns an
// Index and feeds it headers messages, and headerstore persists what it
// adds.
//
// # Checks, after Core's validation.cpp and pow.cpp
//
// Add takes a headers message. Like Core's net_processing, it first checks
// each header's proof of work against its own bits (ErrHighHash: the hash
// above the target, or bits that are negative, zero, overflowing or easier
// than the network's limit) and that each builds on the previous one
// (ErrNotContinuous), refusing the whole message otherwise. Then, header by
// header (Core's AcceptBlockHeader and ContextualCheckBlockHeader): a
// header already present is accepted as it is; the parent must be present
// (ErrPrevNotFound); the bits must be what the difficulty rules require
// (ErrBadDiffBits); the time must be after the median of the last 11 blocks
// (ErrTimeTooOld), under BIP94 not more than 10 minutes before its parent's
// at a period's first block (ErrTimewarp), and not more than 2 hours after
// now (ErrTimeTooNew); the version must be at least 2, 3 and 4 from the
// BIP34, BIP66 and BIP65 heights (ErrBadVersion). It stops at the first
// refused header, keeping those before it.
//
// The required bits: unchanged inside a difficulty period; at a period's
// start the old target scaled by the time the period took (measured from
// its first block to its last: interval-1 gaps, Core's off-by-one), that
// time clamped to a quarter and four times two weeks, capped at the limit.
// Testnet3, testnet4 and regtest let a block more than 20 minutes after its
// parent have the limit's bits; any other block there takes the bits of the
// last block not mined under that rule (or of the period's first block).
// Testnet4 (BIP94) retargets from the period's first block's bits. Regtest
// never retargets. Signet retargets as mainnet does; its block signatures
// (BIP325) are a property of blocks, not headers, and are not checked here.
// Core keeps no checkpoints any more, so neither does this package.
//
// # Best chain
//
// The best chain ends at the header with the most cumulative work; a header
// with only as much as the tip does not replace it (first seen wins, as
// Core's m_best_header). Add reports a move of the tip as a TipChange: the
// fork point, the blocks disconnected and connected. Locator builds a block
// locator as Core's GetLocator does; FindFork and AppendHeadersAfter answer
// a peer's getheaders from the best chain, at most MaxHeadersResults.
//
// # Memory
//
// A header costs about 120 bytes of entry (its fields but the previous
// hash, which is the parent's, its height, parent position and chain work as
// a fixed 256-bit Uint256), 4 bytes of best chain and 8 to 16 of hash table:
// 132 bytes measured for a million headers loaded into an index sized with
// WithCapacity, 151 grown one by one.
//
// Core's headers presync (headerssync.cpp, the low-work anti-DoS download)
// and its work threshold are in the subpackage presync. Restore is for
// headers read back from our own store.
package headerchain
