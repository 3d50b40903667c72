package chain

import (
	"math/big"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// MaxTipAge is how old the tip may be for the node to count as out of
// initial block download (Core's DEFAULT_MAX_TIP_AGE, -maxtipage).
const MaxTipAge = headerchain.MaxTipAge

// Tip is the end of the node's best chain, as initial block download judges
// it. The zero Tip is no chain at all.
type Tip struct {
	// Time is the tip block's header time.
	Time time.Time
	// Work is the total work of the chain up to and including the tip
	// (Core's nChainWork). Nil means none.
	Work *big.Int
}

// GenesisTip is the tip of a chain holding only params' genesis block: its
// header time and its work. It fails when the genesis block is unusable, as
// the chain actor does (Props then serves an empty chain).
func GenesisTip(params protocol.Params) (Tip, error) {
	c, err := newChain(params)
	if err != nil {
		return Tip{}, err
	}
	return c.tip(), nil
}

// tip is the chain's tip for InitialBlockDownload; the zero Tip when the
// chain is empty.
func (c *chain) tip() Tip {
	if c.tipHeight() < 0 {
		return Tip{}
	}
	return Tip{Time: time.Unix(int64(c.headers[c.tipHeight()].Timestamp), 0), Work: new(big.Int).Set(c.work)}
}

// InitialBlockDownload reports whether a node whose best chain ends at tip
// is still in initial block download at now: it has no tip, or the tip has
// less work than minWork (the network's MinimumChainWork; nil means none),
// or the tip is older than maxTipAge (Core's CChain::IsTipRecent, negated).
//
// A chain of only its genesis block is in initial block download on every
// network: below the minimum work everywhere but regtest, whose minimum is
// zero but whose genesis block dates from 2011.
func InitialBlockDownload(tip Tip, minWork *big.Int, now time.Time, maxTipAge time.Duration) bool {
	if tip.Work == nil || tip.Time.IsZero() {
		return true
	}
	var min headerchain.Uint256
	if minWork != nil {
		min = headerchain.Uint256FromBig(minWork)
	}
	return headerchain.InitialDownload(headerchain.Uint256FromBig(tip.Work), min, tip.Time, now, maxTipAge)
}

// IBD follows one node's initial block download state over time, latched
// like Core's ChainstateManager: once the node has left initial block
// download it does not return to it, however old the tip grows. Its tip is
// fixed (the chain actor's never changes today). It is not safe for
// concurrent use: give it to one actor.
type IBD struct {
	tip     Tip
	minWork *big.Int
	left    bool
}

// NewIBD follows a node whose best chain ends at tip on params' network.
func NewIBD(tip Tip, params protocol.Params) *IBD {
	return &IBD{tip: tip, minWork: params.MinimumChainWork}
}

// Active reports whether the node is in initial block download at now
// (Core's IsInitialBlockDownload), with MaxTipAge.
func (d *IBD) Active(now time.Time) bool {
	if d.left {
		return false
	}
	if InitialBlockDownload(d.tip, d.minWork, now, MaxTipAge) {
		return true
	}
	d.left = true
	return false
}
