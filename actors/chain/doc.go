// Package chain serves the block chain the node has to its peers: today the
// genesis block of its network and nothing more. The node announces
// NODE_NETWORK, as Bitcoin Core does while it is still syncing, and this
// actor makes that honest by answering what Core answers from a chain of
// height 0. Peers such as btcd refuse outbound peers without NODE_NETWORK.
//
// # Use
//
// Start the actor as a handler of the dispatcher, for the commands Commands
// lists (getheaders, getblocks, getdata):
//
//	ctx.Send(dispatcherPID, &dispatcher.Spawn{
//		Name:     "chain",
//		Props:    chain.Props(chain.Config{Network: params, Logger: log}),
//		Commands: chain.Commands(),
//	})
//
// It receives *dispatcher.Deliver and answers the peer in From.PID with
// *peer.SendMessage, or *peer.Disconnect for a rule Core disconnects for,
// and reports every delivery done (Deliver.Done or Continue). It
// answers *inspect.Describe with kind "chain" and a summary: network,
// height, best (the tip's hash), chainwork, below_minimum_work, and the
// served counters.
//
// # Behaviour, after Core's net_processing.cpp
//
// getheaders: while our tip has less work than the network's
// MinimumChainWork (true of a genesis tip on every network but regtest),
// Core answers every peer without the download permission with an empty
// headers message ("Ignoring getheaders ... because active chain has too
// little work; sending empty response"); we grant no permissions, so we do
// the same. (Older Core versions ignored getheaders during initial block
// download instead; current Core answers.) Otherwise an empty locator asks
// for the one header hash_stop, answered if we have that block and ignored
// if not; a locator gets the headers after its first hash on our chain
// (genesis when none is), up to hash_stop, at most 2000: for a chain of
// only genesis, an empty headers message.
//
// getblocks: an inv of the blocks after the locator's fork point, before
// hash_stop, at most 500; with only genesis there are none and, like Core,
// nothing is sent. The actor takes the typed *protocol.MsgGetBlocks; the
// protocol decoder refuses a locator of more than 101 hashes off the wire
// (protocol.ErrTooMany, on which the peer actor disconnects, as Core does),
// and one built in process with that many gets the peer disconnected here
// (ErrLocatorTooLarge).
//
// getdata: served like Core's per-peer getdata queue, one pass at a time:
// the transactions at the front, then one other entry (so at most one
// block per pass), then the rest goes back to the peer (Deliver.Continue),
// which hands it back only while its send queue is below the send limit
// and before it processes anything else it received. A peer asking 50,000
// times for the genesis block and never reading so costs us the send limit,
// not 50,000 copies. Entries are answered in Core's order. block, witness-block and
// cmpctblock of a block we have get a block message (the genesis block has
// no witness data, and Core answers cmpctblock for a tip this old with the
// full block); a block we lack gets nothing; a filtered block disconnects
// the peer (ErrFilteredBlockRequest: we offer no NODE_BLOOM); transactions
// are collected into notfound messages, since we keep no mempool; other
// types are dropped. Core ignores transaction requests from peers it keeps
// no transaction relay state for (block-relay-only connections); the
// dispatcher does not tell us the connection type, so they get notfound
// too. The protocol decoder caps a getdata at 50,000 entries.
package chain
