package headerchain

import (
	"time"

	"github.com/actornode/actornode/protocol"
)

// rules is a network's Consensus in the form the checks use, computed once.
type rules struct {
	powLimit     Uint256
	powLimitBits uint32 // powLimit in compact form (Core's nProofOfWorkLimit)
	spacing      int64  // seconds
	timespan     int64  // seconds
	interval     int32  // blocks of a difficulty period
	allowMin     bool
	noRetarget   bool
	bip94        bool
	bip34        int32
	bip65        int32
	bip66        int32
}

func newRules(c protocol.Consensus) rules {
	limit := Uint256FromHash(c.PowLimit)
	r := rules{
		powLimit:     limit,
		powLimitBits: limit.Compact(),
		spacing:      int64(c.PowTargetSpacing / time.Second),
		timespan:     int64(c.PowTargetTimespan / time.Second),
		allowMin:     c.PowAllowMinDifficultyBlocks,
		noRetarget:   c.PowNoRetargeting,
		bip94:        c.EnforceBIP94,
		bip34:        c.BIP34Height,
		bip65:        c.BIP65Height,
		bip66:        c.BIP66Height,
	}
	if r.spacing > 0 {
		r.interval = int32(r.timespan / r.spacing)
	}
	return r
}

// valid reports whether the rules can be used: a positive spacing, a
// timespan of at least one spacing and a non-zero limit.
func (r *rules) valid() bool {
	return r.spacing > 0 && r.interval > 0 && !r.powLimit.IsZero()
}

// DeriveTarget returns the target that bits encode, or false when Core
// refuses them as a claimed target: negative, zero, overflowing, or easier
// than the network's limit (Core's DeriveTarget).
func DeriveTarget(bits uint32, c protocol.Consensus) (Uint256, bool) {
	return deriveTarget(bits, Uint256FromHash(c.PowLimit))
}

func deriveTarget(bits uint32, limit Uint256) (Uint256, bool) {
	target, negative, overflow := CompactToTarget(bits)
	if negative || overflow || target.IsZero() || target.Cmp(limit) > 0 {
		return Uint256{}, false
	}
	return target, true
}

// CheckProofOfWork reports whether hash meets the target its bits claim and
// that target is one the network allows (Core's CheckProofOfWork).
func CheckProofOfWork(hash protocol.Hash, bits uint32, c protocol.Consensus) bool {
	return checkProofOfWork(hash, bits, Uint256FromHash(c.PowLimit))
}

func checkProofOfWork(hash protocol.Hash, bits uint32, limit Uint256) bool {
	target, ok := deriveTarget(bits, limit)
	return ok && Uint256FromHash(hash).Cmp(target) <= 0
}

// Period is what a retarget needs of the difficulty period that ends: its
// first and last blocks' times and bits.
type Period struct {
	// FirstTime and FirstBits are those of the period's first block (height
	// a multiple of the interval). FirstBits matters only under BIP94.
	FirstTime int64
	FirstBits uint32
	// LastTime and LastBits are those of its last block, the parent of the
	// block whose bits are being computed.
	LastTime int64
	LastBits uint32
}

// CalculateNextWorkRequired returns the bits the first block of the next
// period must have (Core's CalculateNextWorkRequired): the old target
// scaled by the time the period took, that time clamped to a quarter and
// four times the intended timespan, no easier than the limit. Core's
// "off-by-one" is the caller's: the period's first time is that of the block
// interval-1 before the last, so the span covers interval-1 gaps.
func CalculateNextWorkRequired(p Period, c protocol.Consensus) uint32 {
	r := newRules(c)
	return r.calculateNextWork(p)
}

func (r *rules) calculateNextWork(p Period) uint32 {
	if r.noRetarget {
		return p.LastBits
	}
	actual := p.LastTime - p.FirstTime
	actual = min(max(actual, r.timespan/4), r.timespan*4)
	base := p.LastBits
	if r.bip94 {
		// BIP94: the first block of a period cannot use the min-difficulty
		// exception, so its bits carry the real difficulty.
		base = p.FirstBits
	}
	target, _, _ := CompactToTarget(base)
	target = target.mulUint64(uint64(actual)).divUint64(uint64(r.timespan))
	if target.Cmp(r.powLimit) > 0 {
		target = r.powLimit
	}
	return target.Compact()
}

// PermittedDifficultyTransition reports whether bits may go from oldBits
// to newBits at height, without knowing the block times: on networks
// without the min-difficulty exception, unchanged inside a period and at
// most a factor four either way (after compact rounding) at a period's
// start (Core's PermittedDifficultyTransition). Core's headers presync
// uses it; the full check is the index's.
func PermittedDifficultyTransition(c protocol.Consensus, height int64, oldBits, newBits uint32) bool {
	r := newRules(c)
	if r.allowMin {
		return true
	}
	if r.interval > 0 && height%int64(r.interval) == 0 {
		observed, _, _ := CompactToTarget(newBits)
		old, _, _ := CompactToTarget(oldBits)

		largest := old.mulUint64(uint64(r.timespan * 4)).divUint64(uint64(r.timespan))
		if largest.Cmp(r.powLimit) > 0 {
			largest = r.powLimit
		}
		maxNew, _, _ := CompactToTarget(largest.Compact())
		if maxNew.Cmp(observed) < 0 {
			return false
		}

		smallest := old.mulUint64(uint64(r.timespan / 4)).divUint64(uint64(r.timespan))
		if smallest.Cmp(r.powLimit) > 0 {
			smallest = r.powLimit
		}
		minNew, _, _ := CompactToTarget(smallest.Compact())
		return minNew.Cmp(observed) <= 0
	}
	return oldBits == newBits
}
