// Package machine decides how the node follows the block header chain: the
// headers-first sync of Bitcoin Core's net_processing.cpp, sans-IO. It owns
// the header index (headerchain.Index) and per-peer sync state; the chain
// actor feeds it events (a peer ready or gone, a headers message, a block
// inv, a compact block's header, a getheaders, a clock tick) with the time,
// and carries out the actions it returns (send a message, disconnect a
// peer, punish one, persist headers, report a new tip). It also hears a
// peer's sendheaders (SendHeaders), any time, before the peer is ready
// too, and is the one place that decides how a new tip is announced. It imports neither
// protoactor nor sockets, and reads no clock.
//
// # Sync, after Core
//
//   - One sync peer at a time (Core's fSyncStarted, nSyncStarted): a peer
//     that can serve blocks (NODE_NETWORK or NODE_NETWORK_LIMITED) and is
//     preferred for download (not inbound, not addr-fetch or feeler) gets
//     the initial getheaders, with the locator of our best header's parent
//     so the answer is never empty. Once the best header is less than 24
//     hours old every such peer is synced from. An inbound peer is used
//     only when no preferred one is connected.
//   - A headers message of MaxHeadersResults headers asks the same peer
//     for more; fewer ends the round. An empty one clears the request.
//   - At most one getheaders in flight per peer (Core's
//     MaybeSendGetHeaders and HEADERS_RESPONSE_TIME): another goes out only
//     after an answer or two minutes.
//   - Headers that do not connect to the index (a BIP130 announcement of
//     a block whose parent we lack) get a getheaders from our best header
//     and mark the peer as having their last hash. Current Core no longer
//     counts these (MAX_NUM_UNCONNECTING_HEADERS_MSGS was removed); the
//     getheaders rate limit bounds the cost, and so does this machine.
//   - A sync peer that has not brought the best header within 24 hours of
//     now by HEADERS_DOWNLOAD_TIMEOUT_BASE (15 minutes) plus
//     HEADERS_DOWNLOAD_TIMEOUT_PER_HEADER (1 ms) per header expected is
//     disconnected, when another preferred peer could take over.
//   - Block invs of unknown blocks answer with a getheaders from our best
//     header; before sync has started with a peer, one new peer per new
//     block (m_last_block_inv_triggering_headers_sync).
//   - A compact block's header is processed as a one-header headers
//     message, in the order of Core's cmpctblock handler: one that does
//     not connect asks with getheaders only after initial sync and is
//     never punished; one whose chain has less work than the anti-DoS
//     threshold is ignored; only then is it checked. It does not feed the
//     peer's presync. (Core ignores a compact block from a peer that never
//     sent sendcmpct version 2; the peer's machine drops those unread, so
//     none reaches this one.)
//   - Invalid headers (proof of work, continuity, difficulty, time,
//     version) punish the peer (Misbehave); a header too far in the future
//     does not. The headers before the first refused one are kept, but, as
//     in Core, the peer is not marked as having them.
//   - ConsiderEviction: an outbound full-relay or block-relay peer whose
//     best known header has less work than our tip gets CHAIN_SYNC_TIMEOUT
//     (20 minutes), then one getheaders and HEADERS_RESPONSE_TIME (2
//     minutes); still behind, it is disconnected. Up to
//     MAX_OUTBOUND_PEERS_TO_PROTECT_FROM_DISCONNECT (4) full-relay peers
//     that once matched our tip are exempt.
//   - During initial sync, an outbound peer whose whole headers chain
//     (a short answer) has less than the network's minimum chain work is
//     disconnected (Core's UpdatePeerStateForReceivedHeaders).
//
// # Stale tip and extra peers
//
// Connmgr owns the connections, so the chain's half of Core's
// CheckForStaleTipAndEvictPeers is actions for it: BlockAnnounced when a
// peer's headers move our best header (Core's m_last_block_announcement;
// this node's tip is its best header), Protected when a peer becomes
// exempt from ConsiderEviction, and, from CheckStaleTip,
// TryNewOutbound every STALE_CHECK_INTERVAL (10 minutes; stale when no
// best header came for 3 block spacings; no blocks are ever in flight
// here) and StartExtraBlockRelay once the best header is less than 20
// spacings old (Core's CanDirectFetch).
//
// # Serving
//
// getheaders is answered from the best header chain: the headers after the
// locator's fork point, up to hash_stop, at most MaxHeadersResults; an
// empty message while the best header has less than the network's minimum
// chain work. Core answers from its active chain of validated blocks; this
// node keeps headers only, so its best header chain is what it can offer.
// New best headers are announced to each ready peer, once the best header
// is recent, as Core's SendMessages does, by an ordinary Send: to a peer
// that sent sendheaders (SendHeaders; Core's m_prefers_headers), a headers
// message of the last MaxBlocksToAnnounce blocks new on the best chain it
// is not known to have, when it has the one before them; else, and to any
// peer that did not send sendheaders, an inv of the tip, unless the peer
// has it. A block the peer told us of counts as its own, even one it
// announced before we had it; a block counts as sent once in a headers
// message, announced or served, but not for an inv (Core's
// pindexBestHeaderSent): a peer that got a block by inv and then sends
// sendheaders gets the next one by inv too, until a getheaders answer or
// its own announcement shows it has the tip. (Core sends a peer that asked
// for high-bandwidth compact blocks a cmpctblock of a single new block;
// this node has no blocks to make one of.)
//
// # Presync
//
// Core downloads a chain with less than the anti-DoS work threshold twice
// (headerssync.cpp, HeadersSyncState) before it lets it into the index, so
// a peer cannot fill memory with cheap headers. With Config.Rand set, the
// machine does the same with package presync, wired as Core's
// ProcessHeadersMessage does: a sync in progress takes the peer's headers
// first; connecting headers whose chain has less work than the threshold
// (the minimum chain work, or our best header's work less 144 of its
// blocks) start a sync when the message is full and are dropped when not;
// what a sync releases goes to the index without the threshold test.
package machine
