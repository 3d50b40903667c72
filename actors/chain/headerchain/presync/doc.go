// Package presync downloads a peer's headers chain without storing any of
// it until the chain has shown enough work (Core's headerssync.cpp,
// HeadersSyncState): a memory defence against a peer serving long chains
// of cheap, low-difficulty headers.
//
// # How it works
//
// A Sync starts at a header of our index (Start) with a work threshold.
// In Presync it takes the peer's headers, checks each one's proof of work,
// link and bits transition (headerchain.PermittedDifficultyTransition),
// adds up their work, and keeps one bit for every CommitmentPeriod-th
// header at a secret offset: the low bit of a SipHash of its hash under a
// secret salt. Nothing else is kept. A chain longer than the time since
// the start allows (six blocks a second, plus two hours) is aborted. Once
// the work reaches the threshold the Sync asks for the chain again from
// the start (Redownload), checks each redownloaded header against the
// stored bit at its height, and holds headers back in a buffer of
// RedownloadBufferSize until enough commitments are verified on top of
// them, releasing the oldest as the buffer overflows and all of them once
// the redownloaded chain has the threshold's work. A peer cannot serve a
// cheaper chain on the second pass without failing a commitment: it does
// not know the salt or the offset.
//
// Memory: in Presync a sync holds 792 bytes of struct, the start's locator
// (32 bytes a hash, about 30 at mainnet heights) and the commitments, one
// bit per period (641 blocks on mainnet): 200,000 low-work headers cost
// about 0.01 byte each. In Redownload the buffer adds 48 bytes per header
// up to RedownloadBufferSize plus a message (about 830 KB on mainnet), as
// Core's does. The bound on commitments caps a Presync at about 640 KB on
// mainnet today.
//
// # Wiring it into the chain actor, as Core's net_processing does
//
// For a headers message hs from a peer (Core's ProcessHeadersMessage):
//
//  1. hs is empty: drop the peer's Sync if it has one; stop.
//  2. The peer has a Sync: res := sync.ProcessNextHeaders(hs,
//     len(hs) == headerchain.MaxHeadersResults) (Core's
//     IsContinuationOfLowWorkHeadersSync). If res.RequestMore, send a
//     getheaders with res.Locator. If res.State is Final, drop the Sync.
//     Then, by res.Err:
//     - nil: hs = res.Headers, already validated for work; if it is empty,
//     stop; else go to 5 and skip the threshold test.
//     - a *headerchain.HeaderError (errors.Is ErrHighHash or
//     ErrNotContinuous): punish as Core's CheckHeadersPoW does
//     (Misbehaving); stop. The Sync is unchanged.
//     - any other: the Sync ended (nothing to punish); go on with hs as
//     given, as if there had been no Sync.
//  3. The peer has no Sync: check every header's proof of work and links
//     (Index.Add does too, but the threshold test comes first); punish a
//     failure.
//  4. Look up hs[0].PrevBlock in the index (unknown: Core's unconnecting
//     headers handling). Unless the last header is already in the index on
//     the best chain, or the peer has the noban permission, compute
//     threshold := AntiDoSThreshold(ix.TipWork(), tip's bits,
//     Uint256FromBig(params.MinimumChainWork)) and, if NeedsPresync(
//     start's work, hs, threshold) (Core's TryLowWorkHeadersSync): when hs
//     is full, start := StartAt(ix, hs[0].PrevBlock), sync := New(Config{
//     consensus, NetworkParams(name), start, threshold, now, rand}), and
//     handle sync.ProcessNextHeaders(hs, true) as in 2; when it is not
//     full, ignore the low-work chain. Either way stop: nothing goes to the
//     index.
//  5. ix.Add(hs, now). If the original message was full and the peer has
//     no Sync, ask for more from the last header, as without presync.
//
// Core keeps one Sync per peer and ranks the peers' syncs by PresyncWork
// for its progress log; PresyncHeight and PresyncTime serve the same.
package presync
