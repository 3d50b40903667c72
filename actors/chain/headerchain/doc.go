// Package headerchain verifies block headers and keeps them: an index of
// every valid header the node was given, as a tree rooted at its network's
// genesis block, and the best chain through it. It is sans-IO: no clock
// (each Add takes now), no files, no goroutines; the chain actor owns an
// Index and feeds it headers messages. The index keeps in memory what its
// checks and the best chain need; whole headers live in a Source it is
// given (headerstore's Store on a node, a MemorySource otherwise), to which
// Add appends every header it adds, in order, and from which Header and
// AppendHeadersAfter read them back.
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
// Issue 13 asks that a header sync hold no more memory than the store
// takes on disk (84 bytes a record). A header costs a 64-byte entry (its
// hash, chain work in 128 bits, parent position, height, time and bits;
// the previous hash is the parent's, and the merkle root, version and
// nonce stay in the Source), 4 bytes of best chain and 5.3 to 10.7 of hash
// table (4-byte slots, at most three in four full). Entries come in 1 MiB
// chunks of 16,384 and the best chain in 64 KiB ones, so growing never
// copies them. Measured: 77.4 bytes a
// header for a million headers, sized with WithCapacity or grown one by
// one (132 and 151 with the former 120-byte entries); a sync of 930,000
// (mainnet's size) or a million onto a real store holds about 78 bytes a
// header of heap, index and store together, against the store's 84 (see
// headerstore's TestSyncNeedsNoMoreMemoryThanTheStore and
// BenchmarkSyncMemory). Chain work saturates at 2^128-1: a chain with that
// much work would take 2^128 hashes, which will not be done.
//
// Core's headers presync (headerssync.cpp, the low-work anti-DoS download)
// and its work threshold are in the subpackage presync. Restore is for
// headers read back from the index's own Source, which it does not append
// to: record n must be entry n+1's header, so a header the index holds
// already is refused (ErrDuplicate) and the store is cut there.
package headerchain
