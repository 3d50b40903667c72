// Package chain follows the block header chain of the node's network and
// serves it: headers-first sync from peers like Bitcoin Core's
// net_processing.cpp, the headers kept in an index (headerchain) and on
// disk (headerstore), getheaders answered from the best header chain, new
// best headers announced to peers. The node keeps headers only: the blocks
// it has, and serves, are the genesis block of its network.
//
// The decisions are in the sans-IO machine (package machine): which peer
// to sync from, when to ask for more, what to do with headers that do not
// connect, when a sync peer stalls, when an outbound peer's chain is too
// old (ConsiderEviction), what to announce. This actor is its shell: it
// feeds it peers, messages and ticks, sends what it says, persists what it
// adds, and answers questions about the chain. Core's low-work headers
// presync (package headerchain/presync) guards the index: a chain with
// less work than the anti-DoS threshold is downloaded twice before it is
// stored (Config.NoPresync turns that off).
//
// It is also the one home of the initial block download rule
// (InitialBlockDownload, IBD): a node whose tip is older than MaxTipAge or
// has less work than the network's MinimumChainWork is still downloading,
// and, like Core, does not announce its own address meanwhile. A chain of
// only genesis is in initial block download on every network.
//
// # Use
//
// Start the actor, register it with the dispatcher for Commands
// (getheaders, getblocks, getdata, headers, inv, cmpctblock, sendheaders:
// the peer forwards the first of a connection, even before verack), and have
// connmgr send it *connmgr.PeerReady for each peer that finishes its
// handshake (connmgr.Config.PeerWatchers); it watches each peer's actor to
// learn when it stops:
//
//	pid := ctx.Spawn(chain.Props(chain.Config{Network: params, DataDir: dir, Logger: log}))
//	for _, cmd := range chain.Commands() {
//		ctx.Send(dispatcherPID, &dispatcher.Register{Command: cmd, Handler: pid})
//	}
//
// It answers the peer in Deliver.From.PID with *peer.SendMessage (new best
// headers announced by headers or inv, as the machine decides from the
// peer's sendheaders and what it is known to have) and *peer.Disconnect; a
// sendheaders that comes while the store loads is kept for the machine. A
// peer that sent invalid headers is
// reported to connmgr with *connmgr.Misbehaved (Core's Misbehaving).
// Connmgr also hears what its extra-peer decisions need of the chain (Core's
// CheckForStaleTipAndEvictPeers): *connmgr.BlockAnnounced,
// *connmgr.ChainProtected, *connmgr.TryNewOutbound every 10 minutes and
// *connmgr.StartExtraBlockRelay once. It reports every delivery done (Deliver.Done or Continue). It answers
// *GetInfo (getblockchaininfo), *GetHeader (getblockheader), *GetTips
// (getchaintips), *GetPeerStates (getpeerinfo's synced_headers) and
// *inspect.Describe (kind "chain").
//
// # Store
//
// With a DataDir, the actor opens headers.dat there when it starts and
// loads it in a goroutine (every header is checked again); meanwhile it
// queues ready peers and ignores getheaders, as Core does while it loads
// its block index. A torn tail (a crash mid-append) is cut; a damaged
// record, or one the index refuses, keeps the records before it: the file
// is copied to headers.dat.damaged and cut there, and sync fetches the rest
// again. The store is the index's Source: the index appends every header
// it adds to it (held in memory until written) and reads whole headers back
// from it for getheaders, announcements and getblockheader. A goroutine
// flushes it, one at a time, all the headers appended meanwhile in one
// write and one fsync. A failed write stops persistence, logged once (the
// error shows in GetInfo and /debug/chain); the headers stay in memory and
// sync and serving go on. Without a DataDir the headers are kept in a
// headerchain.MemorySource.
//
// # Outside view
//
// The best header's height is the start height peers announce in their
// version messages (Config.Height). Log lines: "header chain loaded" at
// start; while syncing, Core's "Synchronizing blockheaders" line as
// "synchronizing block headers" with height, progress by time and
// headers/s for every headers message that moves the best header; once
// caught up, "new best header" per new tip; reorganizations; Core's
// "Pre-synchronizing blockheaders" line as "pre-synchronizing block
// headers", as Core's ReportHeadersPresync logs it: for the peer whose
// presync has the most work only, when that peer's first pass moves, at
// most four a second, while the best header is below the minimum chain
// work and sync is initial. Metrics
// (metrics.Chain): header height, sync rate, headers added, reorgs.
//
// # Serving blocks, after Core
//
// getblocks: an inv of the blocks after the locator's fork point, before
// hash_stop, at most 500; with only genesis there are none and, like Core,
// nothing is sent. A locator of more than 101 hashes gets the peer
// disconnected (ErrLocatorTooLarge; the decoder refuses it off the wire).
//
// getdata: served like Core's per-peer getdata queue, one pass at a time:
// the transactions at the front, then one other entry (so at most one
// block per pass), then the rest goes back to the peer (Deliver.Continue),
// which hands it back only while its send queue is below the send limit.
// block, witness-block and cmpctblock of a block we have (genesis) get a
// block message; a block we lack gets nothing; a filtered block
// disconnects the peer (ErrFilteredBlockRequest: we offer no NODE_BLOOM);
// transactions are collected into notfound messages, since we keep no
// mempool; other types are dropped.
package chain
