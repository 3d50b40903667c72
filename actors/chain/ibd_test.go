package chain

import (
	"math/big"
	"testing"
	"time"
)

// regtestGenesisTime is the header time of regtest's genesis block
// (2011-02-02 23:16:42 UTC).
var regtestGenesisTime = time.Unix(1296688602, 0)

func TestGenesisTip(t *testing.T) {
	tip, err := GenesisTip(network(t, "regtest"))
	if err != nil {
		t.Fatal(err)
	}
	if !tip.Time.Equal(regtestGenesisTime) || tip.Work.Cmp(big.NewInt(2)) != 0 {
		t.Errorf("regtest genesis tip %v work %v, want %v work 2", tip.Time, tip.Work, regtestGenesisTime)
	}
}

// TestInitialBlockDownload: Core's rule, the tip is recent (within the
// max tip age) and has at least the minimum chain work, read as its
// negation.
func TestInitialBlockDownload(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	mainnet, regtest := network(t, "mainnet"), network(t, "regtest")
	mainTip, err := GenesisTip(mainnet)
	if err != nil {
		t.Fatal(err)
	}
	regTip, err := GenesisTip(regtest)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		tip     Tip
		minWork *big.Int
		now     time.Time
		want    bool
	}{
		{name: "no tip", tip: Tip{}, now: now, want: true},
		{name: "mainnet genesis: too little work", tip: mainTip, minWork: mainnet.MinimumChainWork, now: now, want: true},
		{name: "mainnet genesis when it was mined: still too little work", tip: mainTip,
			minWork: mainnet.MinimumChainWork, now: mainTip.Time, want: true},
		{name: "regtest genesis today: too old", tip: regTip, minWork: regtest.MinimumChainWork, now: now, want: true},
		{name: "regtest genesis an hour after it was mined", tip: regTip, minWork: regtest.MinimumChainWork,
			now: regtestGenesisTime.Add(time.Hour), want: false},
		{name: "tip exactly max tip age old", tip: Tip{Time: now.Add(-MaxTipAge), Work: big.NewInt(5)},
			minWork: big.NewInt(5), now: now, want: false},
		{name: "tip a second older", tip: Tip{Time: now.Add(-MaxTipAge - time.Second), Work: big.NewInt(5)},
			minWork: big.NewInt(5), now: now, want: true},
		{name: "recent tip one short of the minimum work", tip: Tip{Time: now, Work: big.NewInt(4)},
			minWork: big.NewInt(5), now: now, want: true},
		{name: "recent tip, no minimum", tip: Tip{Time: now, Work: big.NewInt(1)}, now: now, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := InitialBlockDownload(tc.tip, tc.minWork, tc.now, MaxTipAge); got != tc.want {
				t.Errorf("InitialBlockDownload = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIBDLatches: once out of initial block download, a node stays out
// however old its tip grows, as Core's latch.
func TestIBDLatches(t *testing.T) {
	regtest := network(t, "regtest")
	tip, err := GenesisTip(regtest)
	if err != nil {
		t.Fatal(err)
	}
	d := NewIBD(tip, regtest)
	if !d.Active(regtestGenesisTime.Add(48 * time.Hour)) {
		t.Fatal("not in IBD with a two-day-old tip")
	}
	if d.Active(regtestGenesisTime.Add(time.Hour)) {
		t.Fatal("in IBD with an hour-old tip")
	}
	if d.Active(regtestGenesisTime.Add(48 * time.Hour)) {
		t.Fatal("back in IBD after leaving it")
	}
}
