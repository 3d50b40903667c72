package headerchain

import (
	"testing"

	"github.com/actornode/actornode/protocol"
)

func network(t testing.TB, name string) protocol.Params {
	t.Helper()
	p, err := protocol.Network(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Core's pow_tests: get_next_work, get_next_work_pow_limit,
// get_next_work_lower_limit_actual and get_next_work_upper_limit_actual,
// each with its PermittedDifficultyTransition checks.
func TestCalculateNextWorkRequired(t *testing.T) {
	mainnet := network(t, protocol.NameMainnet).Consensus
	for _, tc := range []struct {
		name      string
		firstTime int64 // the period's first block
		height    int64 // of the last block
		lastTime  int64
		lastBits  uint32
		want      uint32
		// invalid, if set, is one step past the clamp: not permitted.
		invalid uint32
	}{
		{name: "get_next_work", firstTime: 1261130161, height: 32255, lastTime: 1262152739, lastBits: 0x1d00ffff, want: 0x1d00d86a},
		{name: "get_next_work_pow_limit", firstTime: 1231006505, height: 2015, lastTime: 1233061996, lastBits: 0x1d00ffff, want: 0x1d00ffff},
		{name: "get_next_work_lower_limit_actual", firstTime: 1279008237, height: 68543, lastTime: 1279297671, lastBits: 0x1c05a3f4, want: 0x1c0168fd, invalid: 0x1c0168fd - 1},
		{name: "get_next_work_upper_limit_actual", firstTime: 1263163443, height: 46367, lastTime: 1269211443, lastBits: 0x1c387f6f, want: 0x1d00e1fd, invalid: 0x1d00e1fd + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Period{FirstTime: tc.firstTime, LastTime: tc.lastTime, LastBits: tc.lastBits}
			if got := CalculateNextWorkRequired(p, mainnet); got != tc.want {
				t.Errorf("CalculateNextWorkRequired = %#08x, want %#08x", got, tc.want)
			}
			if !PermittedDifficultyTransition(mainnet, tc.height+1, tc.lastBits, tc.want) {
				t.Errorf("transition %#08x -> %#08x not permitted", tc.lastBits, tc.want)
			}
			if tc.invalid != 0 && PermittedDifficultyTransition(mainnet, tc.height+1, tc.lastBits, tc.invalid) {
				t.Errorf("transition %#08x -> %#08x permitted", tc.lastBits, tc.invalid)
			}
		})
	}
}

func TestPermittedDifficultyTransition(t *testing.T) {
	mainnet := network(t, protocol.NameMainnet).Consensus
	testnet := network(t, protocol.NameTestnet3).Consensus
	for _, tc := range []struct {
		name     string
		c        protocol.Consensus
		height   int64
		old, new uint32
		want     bool
	}{
		{name: "inside a period, unchanged", c: mainnet, height: 32257, old: 0x1d00d86a, new: 0x1d00d86a, want: true},
		{name: "inside a period, changed", c: mainnet, height: 32257, old: 0x1d00d86a, new: 0x1d00d86b, want: false},
		{name: "testnet allows anything", c: testnet, height: 5, old: 0x1c05a3f4, new: 0x1d00ffff, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PermittedDifficultyTransition(tc.c, tc.height, tc.old, tc.new); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Core's CheckProofOfWork_test_* cases.
func TestCheckProofOfWork(t *testing.T) {
	mainnet := network(t, protocol.NameMainnet).Consensus
	limit := Uint256FromHash(mainnet.PowLimit)
	one := Uint256{1}.Hash()
	limitBits := limit.Compact()
	for _, tc := range []struct {
		name string
		hash protocol.Hash
		bits uint32
		want bool
	}{
		// The limit's compact with the sign bit set.
		{name: "negative target", hash: one, bits: limitBits | 0x00800000},
		{name: "overflow target", hash: one, bits: ^uint32(0x00800000)},
		{name: "too easy target", hash: one, bits: limit.mulUint64(2).Compact()},
		{name: "hash above target", hash: limit.mulUint64(2).Hash(), bits: limitBits},
		{name: "zero target", hash: Uint256{}.Hash(), bits: Uint256{}.Compact()},
		{name: "hash at the limit's compact target", hash: one, bits: limitBits, want: true},
		{name: "mainnet genesis", hash: network(t, protocol.NameMainnet).GenesisHash, bits: 0x1d00ffff, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckProofOfWork(tc.hash, tc.bits, mainnet); got != tc.want {
				t.Errorf("CheckProofOfWork(bits %#08x) = %v, want %v", tc.bits, got, tc.want)
			}
		})
	}
}

// Core's ChainParams_*_sanity: every network's genesis hashes right, its
// bits are a valid target within the limit, the timespan is a whole
// number of spacings, and a retarget cannot overflow.
func TestChainParamsSanity(t *testing.T) {
	for _, name := range protocol.NetworkNames() {
		t.Run(name, func(t *testing.T) {
			p := network(t, name)
			c := p.Consensus
			g, err := p.GenesisHeader()
			if err != nil {
				t.Fatal(err)
			}
			if g.BlockHash() != p.GenesisHash {
				t.Errorf("genesis hashes to %s", g.BlockHash())
			}
			if c.PowTargetSpacing <= 0 || c.PowTargetTimespan%c.PowTargetSpacing != 0 {
				t.Errorf("timespan %v not a multiple of spacing %v", c.PowTargetTimespan, c.PowTargetSpacing)
			}
			target, neg, over := CompactToTarget(g.Bits)
			limit := Uint256FromHash(c.PowLimit)
			if neg || over || target.IsZero() || target.Cmp(limit) > 0 {
				t.Errorf("genesis bits %#08x: negative %v overflow %v target %s limit %s", g.Bits, neg, over, target, limit)
			}
			if !c.PowNoRetargeting {
				max := Uint256{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}.divUint64(uint64(4 * c.PowTargetTimespan.Seconds()))
				if limit.Cmp(max) >= 0 {
					t.Errorf("limit %s times 4 timespans overflows", limit)
				}
			}
			if !CheckProofOfWork(p.GenesisHash, g.Bits, c) {
				t.Errorf("genesis fails its own proof of work")
			}
		})
	}
}
