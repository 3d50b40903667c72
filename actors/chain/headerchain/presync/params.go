package presync

import (
	"fmt"
	"math/bits"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// Params sets how much memory a sync may use (Core's HeadersSyncParams,
// generated per network by Core's headerssync-params.py).
type Params struct {
	// CommitmentPeriod is the distance in blocks between two commitment
	// bits (Core's commitment_period): presync keeps one bit per period.
	CommitmentPeriod int
	// RedownloadBufferSize is how many redownloaded headers are held back
	// before the oldest is released (Core's redownload_buffer_size): a
	// released header has at least RedownloadBufferSize/CommitmentPeriod
	// verified commitments on top of it.
	RedownloadBufferSize int
}

// NetworkParams returns Core's Params for the named network (Core's
// chainparams.cpp, generated 2026-02-25; regtest copies testnet4's).
func NetworkParams(name string) (Params, error) {
	switch name {
	case protocol.NameMainnet, "main":
		return Params{CommitmentPeriod: 641, RedownloadBufferSize: 15218}, nil
	case protocol.NameTestnet3, "testnet":
		return Params{CommitmentPeriod: 673, RedownloadBufferSize: 14460}, nil
	case protocol.NameTestnet4:
		return Params{CommitmentPeriod: 606, RedownloadBufferSize: 16092}, nil
	case protocol.NameSignet:
		return Params{CommitmentPeriod: 620, RedownloadBufferSize: 15724}, nil
	case protocol.NameRegtest:
		return Params{CommitmentPeriod: 275, RedownloadBufferSize: 7017}, nil
	}
	return Params{}, fmt.Errorf("headers sync parameters: network %q: %w", name, protocol.ErrUnknownNetwork)
}

// AntiDoSBufferBlocks is how far below our tip, in blocks of the tip's
// work, a chain may fork and still be taken without presync (Core's 144 in
// GetAntiDoSWorkThreshold).
const AntiDoSBufferBlocks = 144

// AntiDoSThreshold returns the work a peer's chain must reach before its
// headers are stored (Core's GetAntiDoSWorkThreshold): the network's
// minimum chain work, or our tip's work less 144 blocks of the tip's proof
// when that is more, so a chain forking near our tip needs no presync.
func AntiDoSThreshold(tipWork headerchain.Uint256, tipBits uint32, minimumChainWork headerchain.Uint256) headerchain.Uint256 {
	buffer, overflow := mul64(headerchain.BlockProof(tipBits), AntiDoSBufferBlocks)
	nearTip := headerchain.Uint256{}
	if !overflow && buffer.Cmp(tipWork) < 0 {
		nearTip = sub(tipWork, buffer)
	}
	if nearTip.Cmp(minimumChainWork) > 0 {
		return nearTip
	}
	return minimumChainWork
}

// ClaimedWork returns the work the headers claim by their bits, without
// checking it (Core's CalculateClaimedHeadersWork). Added to the work of
// the header the first one builds on, it is compared with
// AntiDoSThreshold to decide whether a presync is needed.
func ClaimedWork(hs []protocol.BlockHeader) headerchain.Uint256 {
	var sum headerchain.Uint256
	var cache proofCache
	for i := range hs {
		sum = sum.Add(cache.proof(hs[i].Bits))
	}
	return sum
}

// NeedsPresync reports whether a headers message that builds on start must
// go through presync rather than straight to the index (Core's test in
// TryLowWorkHeadersSync): the work of start plus the work the headers claim
// is below threshold. Core then starts a Sync only when the message is full
// (MaxHeadersResults headers); a shorter one is ignored, as the peer has no
// more to give.
func NeedsPresync(startWork headerchain.Uint256, hs []protocol.BlockHeader, threshold headerchain.Uint256) bool {
	return startWork.Add(ClaimedWork(hs)).Cmp(threshold) < 0
}

// proofCache remembers BlockProof of the last bits seen: a chain keeps its
// bits for a whole difficulty period.
type proofCache struct {
	bits  uint32
	value headerchain.Uint256
	set   bool
}

func (c *proofCache) proof(b uint32) headerchain.Uint256 {
	if !c.set || c.bits != b {
		c.bits, c.value, c.set = b, headerchain.BlockProof(b), true
	}
	return c.value
}

// sub returns x-y for y <= x.
func sub(x, y headerchain.Uint256) headerchain.Uint256 {
	var z headerchain.Uint256
	var borrow uint64
	for i := range z {
		z[i], borrow = bits.Sub64(x[i], y[i], borrow)
	}
	return z
}

// mul64 returns x*m and whether it overflowed 256 bits.
func mul64(x headerchain.Uint256, m uint64) (headerchain.Uint256, bool) {
	var z headerchain.Uint256
	var carry uint64
	for i := range z {
		hi, lo := bits.Mul64(x[i], m)
		var c uint64
		z[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	return z, carry != 0
}
