package chain

import (
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// maxBlocksInv is the most block hashes one getblocks answer lists (Core's
// nLimit of 500 in its getblocks handler).
const maxBlocksInv = 500

// Reasons to disconnect a peer, carried by *peer.Disconnect. Each is a rule
// of Core's net_processing.cpp.
var (
	// ErrFilteredBlockRequest: getdata asked for a BIP37 filtered block and
	// we do not offer NODE_BLOOM (Core: "filtered block request received
	// when NODE_BLOOM service disabled").
	ErrFilteredBlockRequest = errors.New("filtered block request received when NODE_BLOOM service disabled")
	// ErrLocatorTooLarge: a getblocks locator holds more than
	// protocol.MaxLocatorHashes hashes (Core: "getblocks locator size %d >
	// %d", MAX_LOCATOR_SZ).
	ErrLocatorTooLarge = errors.New("locator too large")
)

// chain is the block chain the node has, from genesis to tip: today only
// the genesis block of its network. It is built once and never changed, so
// every incarnation of the actor may share it.
type chain struct {
	// headers, hashes and blocks are indexed by height. blocks holds each
	// block's serialization without witness data; none of ours has any, so
	// it is also their witness serialization.
	headers []protocol.BlockHeader
	hashes  []protocol.Hash
	blocks  [][]byte
	// height finds a block of the chain by hash.
	height map[protocol.Hash]int
	// work is the tip's total work (Core's nChainWork).
	work *big.Int
}

// newChain builds the chain of params: its genesis block. It checks that the
// block parses as a header and one transaction, and that the header hashes
// to params.GenesisHash.
func newChain(params protocol.Params) (*chain, error) {
	h, err := params.GenesisHeader()
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	if got := h.BlockHash(); got != params.GenesisHash {
		return nil, fmt.Errorf("chain: network %q: genesis block hashes to %s, want %s", params.Name, got, params.GenesisHash)
	}
	if n, _, err := protocol.ReadCompactSize(params.GenesisBlock[protocol.BlockHeaderSize:]); err != nil || n != 1 {
		return nil, fmt.Errorf("chain: network %q: genesis block: transaction count %d (%v), want 1", params.Name, n, err)
	}
	c := &chain{
		headers: []protocol.BlockHeader{h},
		hashes:  []protocol.Hash{params.GenesisHash},
		blocks:  [][]byte{slices.Clone(params.GenesisBlock)},
		height:  map[protocol.Hash]int{params.GenesisHash: 0},
		work:    headerchain.BlockProof(h.Bits).Big(),
	}
	return c, nil
}

// emptyChain is a chain without blocks, for a network whose genesis block is
// unusable: it serves nothing, as Core does before it has a tip.
func emptyChain() *chain {
	return &chain{height: map[protocol.Hash]int{}, work: new(big.Int)}
}

// tipHeight is the height of the tip, -1 for an empty chain.
func (c *chain) tipHeight() int { return len(c.hashes) - 1 }

// findFork returns the height of the first locator hash on our chain, or 0
// (genesis) when none is (Core's FindForkInGlobalIndex; every block we know
// is on our active chain). Call it only on a non-empty chain.
func (c *chain) findFork(locator []protocol.Hash) int {
	for _, h := range locator {
		if height, ok := c.height[h]; ok {
			return height
		}
	}
	return 0
}

// served counts what the server answered, for inspection.
type served struct {
	getHeaders, getBlocks, getData uint64 // requests received
	headersMsgs, headers           uint64 // headers messages sent, headers in them
	invMsgs                        uint64 // inv messages sent in answer to getblocks
	blocks                         uint64 // block messages sent
	notFoundMsgs, notFound         uint64 // notfound messages sent, entries in them
	unanswered                     uint64 // requests answered with nothing
	disconnects                    uint64 // peers asked to disconnect
}

// summary returns the counters as inspection fields.
func (s *served) summary() map[string]uint64 {
	return map[string]uint64{
		"getheaders":    s.getHeaders,
		"getblocks":     s.getBlocks,
		"getdata":       s.getData,
		"headers_msgs":  s.headersMsgs,
		"headers":       s.headers,
		"inv_msgs":      s.invMsgs,
		"blocks":        s.blocks,
		"notfound_msgs": s.notFoundMsgs,
		"notfound":      s.notFound,
		"unanswered":    s.unanswered,
		"disconnects":   s.disconnects,
	}
}

// server answers one node's peers from its chain, as Core's net_processing
// answers getheaders, getblocks and getdata. It is the sans-IO core of the
// actor: requests in, the messages to send (and whether to disconnect) out.
// It is not safe for concurrent use; the actor owns it.
type server struct {
	chain *chain
	n     served
}

// getBlocks answers getblocks (Core's ProcessMessage, GETBLOCKS): an inv of
// the blocks after the first locator hash on our chain, stopping before
// hash_stop, at most maxBlocksInv; nil when there are none (Core sends
// nothing then). A locator of more than protocol.MaxLocatorHashes hashes
// gets nothing and an error wrapping ErrLocatorTooLarge, a reason to
// disconnect. The protocol decoder already refuses such a locator off the
// wire (protocol.ErrTooMany, on which the peer actor disconnects); this
// check covers a message built in process.
//
// Core queues the hashes and sends the inv with its next batch of
// announcements; we send it at once.
func (s *server) getBlocks(m *protocol.MsgGetBlocks) (*protocol.MsgInv, error) {
	s.n.getBlocks++
	if n := len(m.BlockLocatorHashes); n > protocol.MaxLocatorHashes {
		s.n.disconnects++
		return nil, fmt.Errorf("getblocks: %w: %d > %d", ErrLocatorTooLarge, n, protocol.MaxLocatorHashes)
	}
	c := s.chain
	var invs []protocol.InvVect
	if c.tipHeight() >= 0 {
		for h := c.findFork(m.BlockLocatorHashes) + 1; h <= c.tipHeight() && c.hashes[h] != m.HashStop; h++ {
			invs = append(invs, protocol.InvVect{Type: protocol.InvTypeBlock, Hash: c.hashes[h]})
			if len(invs) >= maxBlocksInv {
				break
			}
		}
	}
	if len(invs) == 0 {
		s.n.unanswered++
		return nil, nil
	}
	s.n.invMsgs++
	return &protocol.MsgInv{InvList: invs}, nil
}

// getData makes one pass over a peer's getdata queue, invs, as Core's
// ProcessGetData does each time the peer's turn comes (ProcessGetData and
// ProcessGetBlockData), appending the messages to send to outs and
// returning what is left of the queue for the next pass: the transactions
// at the front, then at most one other entry (a block is expensive: one
// per pass), then a notfound for those transactions. So a list of [tx,
// block, tx] gets block and notfound in the first pass, notfound in the
// second, like Core. The caller runs the next pass only once the peer's
// send queue is below its limit, which bounds what one getdata can make
// us queue.
//
//   - tx, witness-tx and wtx: we keep no mempool, so each is not found.
//   - block, witness-block and cmpctblock of a block we have: a block
//     message. Core answers cmpctblock with a full block when the tip is
//     older than 20 block intervals, which a genesis tip always is.
//   - a block we do not have: nothing (Core neither answers nor counts it).
//   - filtered block (merkleblock): we do not offer NODE_BLOOM, so the peer
//     is disconnected with ErrFilteredBlockRequest whatever the hash;
//     processing stops there.
//   - any other type (witness-filtered-block, unknown values): dropped.
//
// Blocks are sent as copies: a sent slice belongs to its receiver.
func (s *server) getData(invs []protocol.InvVect, outs []protocol.Message) (_ []protocol.Message, rest []protocol.InvVect, _ error) {
	i := 0
	var notFound []protocol.InvVect
	for ; i < len(invs) && isTx(invs[i].Type); i++ {
		notFound = append(notFound, invs[i])
	}
	var disconnect error
	if i < len(invs) {
		inv := invs[i]
		i++
		if isBlock(inv.Type) {
			outs, disconnect = s.getBlockData(inv, outs)
		}
	}
	if len(notFound) > 0 {
		s.n.notFoundMsgs++
		s.n.notFound += uint64(len(notFound))
		outs = append(outs, &protocol.MsgNotFound{InvList: notFound})
	}
	if disconnect != nil {
		s.n.disconnects++
		return outs, nil, disconnect
	}
	return outs, invs[i:], nil
}

// getBlockData answers one block entry of getdata (Core's
// ProcessGetBlockData).
func (s *server) getBlockData(inv protocol.InvVect, outs []protocol.Message) ([]protocol.Message, error) {
	if inv.Type == protocol.InvTypeFilteredBlock {
		return outs, ErrFilteredBlockRequest
	}
	h, ok := s.chain.height[inv.Hash]
	if !ok {
		return outs, nil
	}
	s.n.blocks++
	return append(outs, &protocol.MsgRaw{Cmd: protocol.CmdBlock, Payload: slices.Clone(s.chain.blocks[h])}), nil
}

// isTx reports whether t asks for a transaction (Core's IsGenTxMsg).
func isTx(t protocol.InvType) bool {
	return t == protocol.InvTypeTx || t == protocol.InvTypeWTx || t == protocol.InvTypeWitnessTx
}

// isBlock reports whether t asks for a block in any form (Core's
// IsGenBlkMsg); the witness variant of filtered block is not one.
func isBlock(t protocol.InvType) bool {
	switch t {
	case protocol.InvTypeBlock, protocol.InvTypeWitnessBlock, protocol.InvTypeFilteredBlock, protocol.InvTypeCmpctBlock:
		return true
	}
	return false
}
