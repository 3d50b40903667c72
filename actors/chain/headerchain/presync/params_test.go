package presync

import (
	"errors"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// Core's chainparams.cpp values, per network.
func TestNetworkParams(t *testing.T) {
	for name, want := range map[string]Params{
		protocol.NameMainnet:  {641, 15218},
		protocol.NameTestnet3: {673, 14460},
		protocol.NameTestnet4: {606, 16092},
		protocol.NameSignet:   {620, 15724},
		protocol.NameRegtest:  {275, 7017},
	} {
		if got, err := NetworkParams(name); err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
		}
	}
	if _, err := NetworkParams("nonet"); !errors.Is(err, protocol.ErrUnknownNetwork) {
		t.Errorf("unknown network: %v", err)
	}
}

// The threshold is the minimum chain work, or the tip's work less 144 of
// the tip's blocks when that is more (Core's GetAntiDoSWorkThreshold).
func TestAntiDoSThreshold(t *testing.T) {
	u := func(v uint64) headerchain.Uint256 { return headerchain.Uint256{v} }
	for _, tc := range []struct {
		name          string
		tip, min, out headerchain.Uint256
	}{
		{"near the tip", u(1000), u(0), u(1000 - 288)},
		{"minimum wins", u(1000), u(800), u(800)},
		{"tip below the buffer", u(100), u(0), u(0)},
		{"tip at the buffer", u(288), u(5), u(5)},
	} {
		if got := AntiDoSThreshold(tc.tip, easyBits, tc.min); got != tc.out {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.out)
		}
	}
	// Mainnet's real minimum with a genesis tip.
	p, _ := protocol.Network(protocol.NameMainnet)
	minWork := headerchain.Uint256FromBig(p.MinimumChainWork)
	if got := AntiDoSThreshold(headerchain.BlockProof(0x1d00ffff), 0x1d00ffff, minWork); got != minWork {
		t.Errorf("mainnet genesis tip: %s, want the minimum chain work", got)
	}
}

func TestNeedsPresync(t *testing.T) {
	p, g, start := regtest(t)
	hs := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, 10, 0)
	if got := ClaimedWork(hs); got != (headerchain.Uint256{20}) {
		t.Fatalf("claimed work %s, want 20", got)
	}
	// Genesis has 2; the headers 20 more.
	if NeedsPresync(start.Work, hs, headerchain.Uint256{22}) {
		t.Error("a chain at the threshold needs presync")
	}
	if !NeedsPresync(start.Work, hs, headerchain.Uint256{23}) {
		t.Error("a chain below the threshold does not need presync")
	}
}

// StartAt copies what the sync needs from the index: the median time of
// the last 11 blocks and the locator.
func TestStartAt(t *testing.T) {
	p, g, _ := regtest(t)
	ix, err := headerchain.New(p)
	if err != nil {
		t.Fatal(err)
	}
	hs := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, 20, 0)
	if _, err := ix.Add(hs, time.Unix(1<<32, 0)); err != nil {
		t.Fatal(err)
	}
	s, err := StartAt(ix, hs[19].BlockHash())
	if err != nil {
		t.Fatal(err)
	}
	// Heights 10 to 20, one second apart: the median is height 15's time.
	if s.Height != 20 || s.MedianTimePast != int64(hs[14].Timestamp) || s.Header != hs[19] {
		t.Fatalf("start %d mtp %d, want 20 and %d", s.Height, s.MedianTimePast, hs[14].Timestamp)
	}
	if s.Work != (headerchain.Uint256{42}) || s.Locator[0] != s.Hash || s.Locator[len(s.Locator)-1] != p.GenesisHash {
		t.Fatalf("work %s locator %v", s.Work, s.Locator)
	}
	// At genesis the median is genesis's own time.
	if s, err := StartAt(ix, p.GenesisHash); err != nil || s.MedianTimePast != int64(g.Timestamp) || s.Height != 0 {
		t.Fatalf("genesis start %+v, %v", s, err)
	}
	if _, err := StartAt(ix, protocol.Hash{1}); err == nil {
		t.Fatal("an unknown start gives no error")
	}
}
