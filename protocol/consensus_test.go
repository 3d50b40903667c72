package protocol

import (
	"testing"
	"time"
)

// TestConsensus pins each network's consensus parameters to the values of
// Core's kernel/chainparams.cpp.
func TestConsensus(t *testing.T) {
	const (
		bitcoinLimit = "00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		twoWeeks     = 14 * 24 * time.Hour
	)
	for _, tc := range []struct {
		network  string
		limit    string
		timespan time.Duration
		interval int64
		minDiff  bool
		noRetarg bool
		bip94    bool
		bip34    int32
		bip66    int32
		bip65    int32
	}{
		{network: NameMainnet, limit: bitcoinLimit, timespan: twoWeeks, interval: 2016, bip34: 227931, bip66: 363725, bip65: 388381},
		{network: NameTestnet3, limit: bitcoinLimit, timespan: twoWeeks, interval: 2016, minDiff: true, bip34: 21111, bip66: 330776, bip65: 581885},
		{network: NameTestnet4, limit: bitcoinLimit, timespan: twoWeeks, interval: 2016, minDiff: true, bip94: true, bip34: 1, bip66: 1, bip65: 1},
		{network: NameSignet, limit: "00000377ae000000000000000000000000000000000000000000000000000000", timespan: twoWeeks, interval: 2016, bip34: 1, bip66: 1, bip65: 1},
		{network: NameRegtest, limit: "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", timespan: 24 * time.Hour, interval: 144, minDiff: true, noRetarg: true, bip34: 1, bip66: 1, bip65: 1},
	} {
		t.Run(tc.network, func(t *testing.T) {
			p, err := Network(tc.network)
			if err != nil {
				t.Fatal(err)
			}
			c := p.Consensus
			if c.PowLimit.String() != tc.limit {
				t.Errorf("pow limit %s, want %s", c.PowLimit, tc.limit)
			}
			if c.PowTargetSpacing != 10*time.Minute || c.PowTargetTimespan != tc.timespan || c.DifficultyAdjustmentInterval() != tc.interval {
				t.Errorf("spacing %v timespan %v interval %d", c.PowTargetSpacing, c.PowTargetTimespan, c.DifficultyAdjustmentInterval())
			}
			if c.PowAllowMinDifficultyBlocks != tc.minDiff || c.PowNoRetargeting != tc.noRetarg || c.EnforceBIP94 != tc.bip94 {
				t.Errorf("min difficulty %v, no retargeting %v, BIP94 %v", c.PowAllowMinDifficultyBlocks, c.PowNoRetargeting, c.EnforceBIP94)
			}
			if c.BIP34Height != tc.bip34 || c.BIP66Height != tc.bip66 || c.BIP65Height != tc.bip65 {
				t.Errorf("BIP34 %d BIP66 %d BIP65 %d", c.BIP34Height, c.BIP66Height, c.BIP65Height)
			}
		})
	}
}
