package chain

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/protocol"
)

// GetInfo asks for the chain's state, answered with *Info to ReplyTo.
type GetInfo struct {
	ReplyTo *actor.PID
}

// Info is the chain's state, what getblockchaininfo reports. Blocks
// describe the chain of blocks the node has (only genesis: it keeps
// headers only), Headers the best header chain.
type Info struct {
	Network string
	// Ready is false while the header store is still loading.
	Ready bool
	// Blocks is the height of the best chain of blocks we have (0), and
	// Best that chain's tip (genesis).
	Blocks int32
	Best   HeaderInfo
	// Headers is the height of the best header, HeaderTip that header.
	Headers   int32
	HeaderTip HeaderInfo
	// InitialSync reports whether header sync is still catching up (the
	// best header older than a day or below the minimum chain work).
	InitialSync bool
	// BelowMinimumWork: the best header has less than the network's
	// minimum chain work (getheaders gets empty answers).
	BelowMinimumWork bool
	// Progress is the header sync's progress by time, 0 to 1 (Core's
	// estimate in its "Synchronizing blockheaders" line).
	Progress float64
	// Rate is the headers added per second over the last progress
	// interval.
	Rate float64
	// SyncPeers are the peers header sync has started with.
	SyncPeers []uint64
	// Stats are the sync machine's counters.
	Stats machine.Stats
	// Store describes the header store: its file and records, or why it
	// is off.
	Store StoreInfo
}

// StoreInfo describes the header store.
type StoreInfo struct {
	Path string `json:"path,omitempty"`
	// Records are the records written and synced; Pending those appended
	// and not yet (all of them, once a write failed).
	Records   int64  `json:"records"`
	Pending   int    `json:"pending"`
	Loaded    int64  `json:"loaded"`
	Truncated int64  `json:"truncated_bytes"`
	Err       string `json:"error,omitempty"`
}

// HeaderInfo is one header as the index knows it.
type HeaderInfo struct {
	// Header is the whole header, read back from the header store; when
	// that read failed (ReadErr says why), and in Tips, it holds only what
	// the index keeps in memory: PrevBlock, Timestamp and Bits.
	Header  protocol.BlockHeader
	ReadErr string
	Hash    protocol.Hash
	Height  int32
	// ChainWork is the total work up to it, 64 hex digits.
	ChainWork string
	// MedianTime is the median time of it and its ten ancestors.
	MedianTime int64
	// OnBest reports whether it is on the best header chain; Next is the
	// following header there, if any.
	OnBest bool
	Next   *protocol.Hash
}

// GetHeader asks for one header by hash, answered with *HeaderReply.
type GetHeader struct {
	Hash    protocol.Hash
	ReplyTo *actor.PID
}

// HeaderReply answers GetHeader: Found false for an unknown hash. Tip is
// the best header's height, for confirmations.
type HeaderReply struct {
	Found  bool
	Header HeaderInfo
	Tip    int32
}

// GetTips asks for the ends of every header branch, answered with *Tips.
type GetTips struct {
	ReplyTo *actor.PID
}

// Tips answers GetTips: each branch's last header, the best one first
// (their Header holds only what the index keeps in memory).
type Tips struct {
	List []HeaderInfo
}

// GetPeerStates asks what header sync knows of each peer, answered with
// *PeerStates.
type GetPeerStates struct {
	ReplyTo *actor.PID
}

// PeerStates answers GetPeerStates, by peer id.
type PeerStates struct {
	Peers map[uint64]machine.PeerState
}
